// A merchant's webhook subscription, as defined and as kept: where to send, which events, for which customers,
// which of their traits a payload may carry, and the signing secrets (a new one made by Patron, the old one kept
// for a grace period after a rotation). And the events Patron sends.

import { z } from 'zod';
import { STAGES } from '../../recommender';
import { shortText } from './fields';

export const WEBHOOK_EVENTS = [
  'customer.stage_changed',
  'customer.churn_risk_changed',
  'customer.rfm_group_changed',
  'customer.segment_changed',
  'customer.value_dropped',
  'order.completed',
  'experiment.decided',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Traits a payload may carry about its customer, when the merchant allows them. */
export const PAYLOAD_TRAITS = ['segment', 'stage', 'churnRisk', 'rfmGroup', 'clv', 'orders', 'revenue'] as const;

export const subscriptionIdSchema = z.string().regex(/^wh_[A-Za-z0-9]{1,32}$/, 'must be a subscription id (wh_...)');

export const subscriptionSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  description: shortText(200).optional(),
  events: z
    .array(z.enum(WEBHOOK_EVENTS))
    .min(1)
    .max(WEBHOOK_EVENTS.length)
    .refine((e) => new Set(e).size === e.length, 'must not repeat an event'),
  /** Only customers who match every filter given: a segment (slug or id), a stage, a least predicted CLV. */
  filters: z.strictObject({ segment: z.string().max(200).optional(), stage: z.enum(STAGES).optional(), minClv: z.number().min(0).max(1e12).optional() }).default({}),
  /** The traits a payload carries besides the customer's ids (none by default). */
  traits: z.array(z.enum(PAYLOAD_TRAITS)).max(PAYLOAD_TRAITS.length).default([]),
  /** customer.value_dropped: a fall of predicted CLV by more than this share since the last refit. */
  valueDropShare: z.number().gt(0).max(1).default(0.2),
  enabled: z.boolean().default(true),
});
export type SubscriptionDefinition = z.output<typeof subscriptionSchema>;

export interface SigningSecret {
  secret: string;
  createdAt: number;
  /** A rotated-out secret signs until then; null for the current one. */
  expiresAt: number | null;
}

/** A subscription as kept: paused by the merchant, or by Patron after repeated failure; disabled by a 410. */
export interface SubscriptionRecord {
  id: string;
  definition: SubscriptionDefinition;
  secrets: SigningSecret[];
  state: 'enabled' | 'paused' | 'disabled';
  /** Why Patron paused or disabled it. */
  reason: string | null;
  /** Deliveries in a row that used up every attempt. */
  failures: number;
  createdAt: number;
  updatedAt: number;
}
