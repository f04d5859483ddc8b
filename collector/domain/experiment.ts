// A merchant's experiment, as the merchant defines it and the store keeps it: what it tests (a slot, a block of
// targeted content, or personalisation itself against a holdout), how visitors are split, and what it measures.

import { z } from 'zod';
import { slotConfigSchema, slotNameSchema } from './slot-config';
import { shortText } from './fields';

export const experimentIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 lowercase letters, digits and dashes');
const variationId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits and dashes');
/** A content block's key: the page's data-patron-content attribute. */
export const contentKeySchema = z.string().regex(/^[A-Za-z0-9][\w-]{0,63}$/, 'must be 1-64 letters, digits, _ and -');

export const METRICS = ['revenue_per_visitor', 'conversion_rate', 'orders_per_visitor', 'clv_per_visitor', 'average_order_value'] as const;
export type Metric = (typeof METRICS)[number];
const metric = z.enum(METRICS);

const weight = z.number().positive().max(1000);

/** A slot's variant: a configuration served instead of the slot's own, the slot as configured, or left unfilled. */
const slotVariant = z
  .strictObject({ id: variationId, weight: weight.default(1), config: slotConfigSchema.optional(), unfilled: z.boolean().default(false) })
  .refine((v) => !(v.unfilled && v.config), { message: 'an unfilled variant has no config', path: ['config'] });

const contentVariant = z.strictObject({ id: variationId, weight: weight.default(1), shown: z.boolean() });

const common = {
  id: experimentIdSchema,
  name: shortText(200).min(1),
  description: shortText(2000).optional(),
  primaryMetric: metric.default('revenue_per_visitor'),
  guardrails: z.array(metric).max(METRICS.length).default([]),
  /** ISO 8601; from now when left out. */
  startAt: z.iso.datetime({ offset: true }).optional(),
  endAt: z.iso.datetime({ offset: true }).optional(),
  /** The relative uplift the sample size is planned for (0.05: 5%). */
  minimumDetectableEffect: z.number().min(0.001).max(10).default(0.05),
};

const distinctIds = (variants: { id: string }[]) => new Set(variants.map((v) => v.id)).size === variants.length;
const variants = <T extends z.ZodType<{ id: string }>>(v: T) => z.array(v).min(2).max(6).refine(distinctIds, { message: 'variant ids must differ' });

/** Strict, so a misspelt field is an error; the first variant is the control. */
export const experimentSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ ...common, kind: z.literal('slot'), slot: slotNameSchema, variants: variants(slotVariant) }),
    z.strictObject({ ...common, kind: z.literal('content'), content: contentKeySchema, variants: variants(contentVariant) }),
    // Control is the holdout: what personalisation adds is the personalised arm's uplift over it.
    z.strictObject({ ...common, kind: z.literal('holdout'), share: z.number().min(0.01).max(0.1).default(0.05) }),
  ])
  .refine((e) => !e.startAt || !e.endAt || Date.parse(e.endAt) > Date.parse(e.startAt), { message: 'must be after startAt', path: ['endAt'] });
export type ExperimentDefinition = z.output<typeof experimentSchema>;

export const EXPERIMENT_STATES = ['scheduled', 'running', 'paused', 'stopped'] as const;
export type ExperimentState = (typeof EXPERIMENT_STATES)[number];

/** An experiment as kept: its definition (the split never changes) and where it is in its life. */
export interface ExperimentRecord {
  definition: ExperimentDefinition;
  /** paused and stopped are the merchant's; scheduled and running follow from startAt and endAt. */
  status: 'active' | 'paused' | 'stopped';
  createdAt: number;
  updatedAt: number;
  startAt: number;
  /** When it stopped (by the merchant, or at endAt): orders after it no longer count. */
  stoppedAt: number | null;
}

/** The variations of an experiment, control first, with their weights. */
export function variationsOf(d: ExperimentDefinition): { id: string; weight: number }[] {
  if (d.kind === 'holdout') {
    return [
      { id: 'holdout', weight: d.share },
      { id: 'personalised', weight: 1 - d.share },
    ];
  }
  return d.variants.map((v) => ({ id: v.id, weight: v.weight }));
}
