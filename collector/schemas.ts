// Every HTTP input the collector takes, validated once at the boundary with zod.

import { z } from 'zod';
import { STRATEGIES, type Issue, type Strategy, type WireEvent } from '../sdk/wire';
import { CHURN_TIERS, RFM_GROUPS, SIMILARITIES } from '../recommender';

/** Segment's documented limits: 32 KB per event, 500 KB per batch. */
export const LIMITS = {
  eventBytes: 32 * 1024,
  batchBytes: 500 * 1024,
  batchEvents: 2500,
  idLength: 200,
  /** Objects and arrays nested deeper than this in one event are refused (they cannot be stored safely). */
  depth: 32,
  stringLength: 8192,
  /** Events dated before this or more than a day ahead of the collector's clock are rejected. */
  earliestTimestamp: Date.UTC(2000, 0, 1),
  futureToleranceMs: 86_400_000,
};

const id = z.string().trim().min(1).max(LIMITS.idLength);
const text = z.string().max(LIMITS.stringLength);
const money = z.number().finite().min(0).max(1e12);

const timestamp = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time')
  .refine((s) => {
    const t = Date.parse(s);
    return t >= LIMITS.earliestTimestamp && t <= Date.now() + LIMITS.futureToleranceMs;
  }, 'must lie between 2000-01-01 and one day from now');

const product = z.looseObject({
  product_id: id.optional(),
  sku: id.optional(),
  name: text.optional(),
  category: text.optional(),
  price: money.optional(),
  quantity: z.number().int().min(0).max(1e6).optional(),
  currency: z.string().max(8).optional(),
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
  locale: z.string().max(64).optional(),
  library: z.looseObject({ name: z.string().max(100), version: z.string().max(100) }).optional(),
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
    z.looseObject({ ...common, type: z.literal('track'), event: z.string().trim().min(1).max(200), properties: properties.optional() }),
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
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: ['properties', ...issue.path] } as never);
  });

export type ValidEvent = z.infer<typeof eventSchema>;
// The zod schema and the shared wire type must describe the same thing.
export type _WireCompatible = ValidEvent extends WireEvent ? true : never;
const _wireCompatible: _WireCompatible = true;
void _wireCompatible;

export const batchSchema = z.object({
  batch: z.array(z.unknown()).min(1, 'must hold at least 1 event').max(LIMITS.batchEvents),
  writeKey: z.string().optional(),
  sentAt: z.string().optional(),
  context: z.unknown().optional(),
  /** Events the browser's queue had to drop (over its cap) since its last delivery. */
  dropped: z.number().int().min(0).max(1e9).optional(),
});

export const catalogItemSchema = z.object({
  id,
  name: z.string().trim().min(1).max(500),
  url: z.string().max(2048).optional(),
  image: z.string().max(2048).optional(),
  price: money.optional(),
  currency: z.string().trim().length(3).toUpperCase().optional(),
  category: z.string().max(200).optional(),
  in_stock: z.boolean().default(true),
  attributes: z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean()])).default({}),
});
export type CatalogItem = z.output<typeof catalogItemSchema>;

/** `{ items: [...] }`, or the bare array. */
export const catalogUpsertSchema = z.preprocess(
  (body) => (Array.isArray(body) ? { items: body } : body),
  z.object({ items: z.array(catalogItemSchema).min(1).max(10_000) }),
);

const strategy = z.enum(STRATEGIES as [Strategy, ...Strategy[]]);
const label = z.string().trim().min(1).max(200);

export const slotNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 lowercase letters, digits and dashes');

/** A merchant's slot: where and what Patron recommends. Strict, so a misspelt field is an error, not ignored. */
export const slotConfigSchema = z
  .strictObject({
    strategy,
    description: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(50).default(8),
    similarity: z.enum(SIMILARITIES as [string, ...string[]]).default('jaccard'),
    /** Pairs seen together fewer times than this are left out. */
    minSupport: z.number().int().min(1).max(1000).default(1),
    filters: z
      .strictObject({
        categoryIn: z.array(label).max(200).optional(),
        categoryNotIn: z.array(label).max(200).optional(),
        priceMin: money.optional(),
        priceMax: money.optional(),
        inStockOnly: z.boolean().default(true),
        excludePurchased: z.boolean().default(false),
        excludeCart: z.boolean().default(false),
      })
      .refine((f) => f.priceMin === undefined || f.priceMax === undefined || f.priceMin <= f.priceMax, { message: 'must not exceed priceMax', path: ['priceMin'] })
      .default({ inStockOnly: true, excludePurchased: false, excludeCart: false }),
    boosters: z
      .array(
        z
          .strictObject({
            weight: z.number().positive().max(1000),
            category: label.optional(),
            attribute: z.strictObject({ name: label, value: z.union([z.string().max(1000), z.number(), z.boolean()]) }).optional(),
          })
          .refine((b) => b.category !== undefined || b.attribute !== undefined, { message: 'needs a category or an attribute', path: ['category'] }),
      )
      .max(50)
      .default([]),
    pinned: z.array(z.strictObject({ item: id, position: z.number().int().min(0).max(49) })).max(50).default([]),
    maxPerCategory: z.number().int().min(1).max(50).optional(),
    /** Tried in order when the strategy has too few products: a slot is never empty on a cold item. */
    fallback: z.array(strategy).max(7).default(['also-bought', 'also-viewed', 'popular']),
  });
export type SlotConfig = z.output<typeof slotConfigSchema>;

export const recommendationQuerySchema = z
  .object({
    slot: slotNameSchema.optional(),
    strategy: strategy.optional(),
    item: id.optional(),
    anonymousId: id.optional(),
    userId: id.optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    similarity: z.enum(SIMILARITIES as [string, ...string[]]).optional(),
    /** Products in the shopper's cart, as the page knows them (comma-separated). */
    cart: z.string().max(5000).optional(),
    writeKey: z.string().optional(),
  })
  .refine((q) => q.slot !== undefined || q.strategy !== undefined, { message: 'needs a slot or a strategy', path: ['slot'] })
  .refine((q) => q.slot !== undefined || !(q.strategy === 'also-bought' || q.strategy === 'also-viewed') || q.item !== undefined, {
    message: 'is required for this strategy',
    path: ['item'],
  });

export const segmentQuerySchema = z
  .object({ anonymousId: id.optional(), userId: id.optional(), writeKey: z.string().optional() })
  .refine((q) => q.anonymousId !== undefined || q.userId !== undefined, { message: 'needs anonymousId or userId', path: ['anonymousId'] });

export const profileQuerySchema = segmentQuerySchema;

export const CUSTOMER_SORTS = ['clv', 'pAlive', 'expectedPurchases', 'revenue', 'orders'] as const;
export const customersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  sort: z.enum(CUSTOMER_SORTS).default('clv'),
  order: z.enum(['asc', 'desc']).default('desc'),
  /** A segment's slug or id. */
  segment: z.string().max(200).optional(),
  rfm: z.enum(RFM_GROUPS).optional(),
  churnRisk: z.enum(CHURN_TIERS).optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

/** A time as an ISO 8601 date or date-time, or milliseconds since the epoch. */
const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or time, or milliseconds since the epoch' });
    return z.NEVER;
  }
  return ms;
});

export const QUERY_MEASURES = ['count', 'users', 'revenue'] as const;
const PROPERTY_PARAM = /^prop\.[A-Za-z0-9_]{1,64}$/;

/** GET /v1/query/events: filters, a time bucket and a grouping, measures; `prop.<name>=value` filters by a property. */
export const eventsQuerySchema = z
  .object({
    event: z.string().max(2000).optional(),
    type: z.enum(['page', 'track', 'identify', 'screen', 'group', 'alias']).optional(),
    from: instant.optional(),
    to: instant.optional(),
    userId: id.optional(),
    anonymousId: id.optional(),
    productId: id.optional(),
    interval: z.enum(['hour', 'day', 'week', 'month']).optional(),
    by: z
      .string()
      .regex(/^(event|type|product_id|user|prop\.[A-Za-z0-9_]{1,64})$/, 'must be event, type, product_id, user or prop.<name>')
      .optional(),
    measures: z
      .string()
      .default('count')
      .transform((v) => v.split(',').map((m) => m.trim()))
      .pipe(z.array(z.enum(QUERY_MEASURES)).min(1)),
    format: z.enum(['json', 'csv']).default('json'),
    limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
  })
  .catchall(z.string().max(500))
  .superRefine((q, ctx) => {
    const known = new Set(['event', 'type', 'from', 'to', 'userId', 'anonymousId', 'productId', 'interval', 'by', 'measures', 'format', 'limit']);
    for (const key of Object.keys(q)) if (!known.has(key) && !PROPERTY_PARAM.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a parameter (filters on properties are prop.<name>)' });
  });

export const retentionQuerySchema = z.object({
  interval: z.enum(['week', 'month']).default('week'),
  basis: z.enum(['orders', 'visits']).default('orders'),
  from: instant.optional(),
  to: instant.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export const exportQuerySchema = z.object({
  format: z.enum(['ndjson', 'csv']).default('ndjson'),
  from: instant.optional(),
  to: instant.optional(),
});

export const topProductsQuerySchema = z.object({
  sort: z.enum(['views', 'cartAdds', 'orders', 'revenue']).default('revenue'),
  limit: z.coerce.number().int().min(1).max(10_000).default(20),
  from: instant.optional(),
  to: instant.optional(),
  format: z.enum(['json', 'csv']).default('json'),
});

export const funnelQuerySchema = z.object({
  steps: z
    .string()
    .max(2000)
    .transform((v) => v.split(',').map((step) => step.trim()))
    .pipe(
      z
        .array(z.string().min(1))
        .min(2, 'needs at least two steps')
        .max(20)
        .refine((steps) => new Set(steps).size === steps.length, 'must not repeat a step'),
    ),
  /** How long after the first step the others may come: 30m, 12h, 7d. */
  within: z
    .string()
    .regex(/^\d+(m|h|d)$/, 'must be minutes, hours or days, as 30m, 12h or 7d')
    .default('7d')
    .transform((v) => Number(v.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[v.slice(-1) as 'm' | 'h' | 'd']),
  from: instant.optional(),
  to: instant.optional(),
  bySegment: z.enum(['true', 'false']).default('false'),
  format: z.enum(['json', 'csv']).default('json'),
});

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD');
export const slotReportQuerySchema = z.object({ from: day.optional(), to: day.optional(), slot: slotNameSchema.optional(), format: z.enum(['json', 'csv']).default('json') });

/** GET /v1/segments: JSON, or CSV with one line per segment (its centroid flattened). */
export const segmentsQuerySchema = z.object({ format: z.enum(['json', 'csv']).default('json') });

/** GET /v1/clv: the base's value; `bins` sizes the CLV histogram; as CSV, `table` picks the groups or the histogram. */
export const clvQuerySchema = z.object({
  bins: z.coerce.number().int().min(2).max(200).default(20),
  format: z.enum(['json', 'csv']).default('json'),
  table: z.enum(['groups', 'distribution']).default('groups'),
});

export const quarantineQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().optional(),
});

export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
