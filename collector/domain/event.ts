// A Segment-style event as the collector accepts it: the one zod schema every ingest path validates with
// (the fast check in ingest/fast-validate.ts accepts only what this accepts).

import { z } from 'zod';
import type { EventType, WireEvent } from '../../sdk/wire';
import { id, money, shortText, text, wellFormed } from './fields';
import { LIMITS } from './limits';
import { parseTimestamp } from './timestamp';

/** Segment's calls, each with a route of its own (/v1/track...) besides the batch. */
export const EVENT_TYPES = ['track', 'page', 'identify', 'screen', 'group', 'alias'] as const satisfies readonly EventType[];

const timestamp = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(parseTimestamp(s)), 'must be an ISO 8601 date-time (2026-03-02T10:00:00.000Z)')
  .refine((s) => {
    const t = parseTimestamp(s);
    return t >= LIMITS.earliestTimestamp && t <= Date.now() + LIMITS.futureToleranceMs;
  }, 'must lie between 2000-01-01 and one day from now');

const product = z.looseObject({
  product_id: id.optional(),
  sku: id.optional(),
  name: text.optional(),
  category: text.optional(),
  price: money.optional(),
  quantity: z.number().int().min(0).max(1e6).optional(),
  currency: shortText(8).optional(),
  position: z.number().int().min(0).optional(),
  url: text.optional(),
  image_url: text.optional(),
});

const identifiedProduct = product.refine((p) => p.product_id !== undefined || p.sku !== undefined, {
  message: 'needs product_id or sku',
  path: ['product_id'],
});

const properties = product.extend({
  order_id: id.optional(),
  revenue: money.optional(),
  total: money.optional(),
  products: z.array(product).max(500).optional(),
  slot: text.optional(),
  recommendation_id: text.optional(),
});

const context = z.looseObject({
  page: z.looseObject({ url: text.optional(), referrer: text.optional(), title: text.optional(), path: text.optional(), search: text.optional() }).optional(),
  userAgent: text.optional(),
  locale: shortText(64).optional(),
  library: z.looseObject({ name: shortText(100), version: shortText(100) }).optional(),
  sessionId: id.optional(),
});

const common = {
  messageId: id,
  anonymousId: id.optional(),
  userId: id.optional(),
  timestamp,
  context: context.optional(),
};

/** Properties each e-commerce event must carry to be useful; any other track event is free-form. */
const requiredByEvent: Partial<Record<string, z.ZodType>> = {
  'Product Viewed': identifiedProduct,
  'Product Added': identifiedProduct,
  'Product Removed': identifiedProduct,
  'Product Clicked': identifiedProduct,
  'Order Completed': properties.extend({ products: z.array(identifiedProduct).min(1).max(500) }),
  'Recommendation Clicked': identifiedProduct,
};

export const eventSchema = z
  .discriminatedUnion('type', [
    z.looseObject({
      ...common,
      type: z.literal('track'),
      event: z.string().trim().min(1).max(200).refine(wellFormed, 'contains a lone surrogate (not valid Unicode)'),
      properties: properties.optional(),
    }),
    z.looseObject({ ...common, type: z.literal('page'), name: text.optional(), properties: properties.optional() }),
    z.looseObject({ ...common, type: z.literal('identify'), traits: z.record(z.string(), z.unknown()).optional() }),
    // Segment's other calls, so a store's existing server-side client can send everything it sends.
    z.looseObject({ ...common, type: z.literal('screen'), name: text.optional(), properties: properties.optional() }),
    z.looseObject({ ...common, type: z.literal('group'), groupId: id, traits: z.record(z.string(), z.unknown()).optional() }),
    z.looseObject({ ...common, type: z.literal('alias'), previousId: id, userId: id }),
  ])
  .refine((e) => e.anonymousId !== undefined || e.userId !== undefined, { message: 'needs anonymousId or userId', path: ['anonymousId'] })
  .superRefine((e, ctx) => {
    if (e.type !== 'track') return;
    const required = requiredByEvent[e.event];
    if (!required) return;
    const result = required.safeParse(e.properties ?? {});
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ['properties', ...issue.path] });
  });

export type ValidEvent = z.infer<typeof eventSchema>;
// The zod schema and the shared wire type must describe the same thing.
export type _WireCompatible = ValidEvent extends WireEvent ? true : never;
const _wireCompatible: _WireCompatible = true;
void _wireCompatible;
