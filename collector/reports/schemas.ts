// The analysts' report queries: events, retention, funnels, top products and the export.

import { z } from 'zod';
import { EVENT_TYPES } from '../domain/event';
import { id } from '../domain/fields';
import { instant, tableFormat } from '../http/params';

export const QUERY_MEASURES = ['count', 'users', 'revenue'] as const;
const PROPERTY_PARAM = /^prop\.[A-Za-z0-9_]{1,64}$/;
const EVENTS_PARAMS = new Set(['event', 'type', 'from', 'to', 'userId', 'anonymousId', 'productId', 'interval', 'by', 'measures', 'format', 'limit']);

/** GET /v1/query/events: filters, a time bucket and a grouping, measures; `prop.<name>=value` filters by a property. */
export const eventsQuerySchema = z
  .object({
    event: z.string().max(2000).optional(),
    type: z.enum(EVENT_TYPES).optional(),
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
    format: tableFormat,
    limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
  })
  .catchall(z.string().max(500))
  .superRefine((q, ctx) => {
    for (const key of Object.keys(q))
      if (!EVENTS_PARAMS.has(key) && !PROPERTY_PARAM.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'is not a parameter (filters on properties are prop.<name>)' });
  });

export const retentionQuerySchema = z.object({
  interval: z.enum(['week', 'month']).default('week'),
  basis: z.enum(['orders', 'visits']).default('orders'),
  from: instant.optional(),
  to: instant.optional(),
  format: tableFormat,
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
  format: tableFormat,
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
  format: tableFormat,
});
