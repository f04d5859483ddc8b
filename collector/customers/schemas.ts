// The customer routes' queries: the visitor's own segment and profile (write key), and the analysts' tables.

import { z } from 'zod';
import { CHURN_TIERS, PURCHASE_MODELS, RFM_GROUPS, STAGES, type PurchaseModel } from '../../recommender';
import { id } from '../domain/fields';
import { day, instant, tableFormat } from '../http/params';

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
  stage: z.enum(STAGES).optional(),
  /** Values as of the end of this day, from the stored orders up to it (not the last refit's). */
  asOf: day.optional(),
  format: tableFormat,
});

/** GET /v1/segments: JSON, or CSV with one line per segment (its centroid flattened). */
export const segmentsQuerySchema = z.object({ format: tableFormat });

/** GET /v1/clv: the base's value; `bins` sizes the CLV histogram; as CSV, `table` picks the groups or the histogram. */
export const clvQuerySchema = z.object({
  bins: z.coerce.number().int().min(2).max(200).default(20),
  asOf: day.optional(),
  format: tableFormat,
  table: z.enum(['groups', 'distribution']).default('groups'),
});
export type CustomersQuery = z.output<typeof customersQuerySchema>;

/** GET /v1/backtest: the calibration end (its day included), the holdout's end (default: the last order day), the models. */
export const backtestQuerySchema = z.object({
  calibrationEnd: day,
  holdoutEnd: day.optional(),
  models: z
    .string()
    .max(200)
    .transform((v, ctx) => {
      const models = v.split(',').map((m) => m.trim());
      const unknown = models.find((m) => !(PURCHASE_MODELS as readonly string[]).includes(m));
      if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `has no model ${unknown} (${PURCHASE_MODELS.join(', ')})` });
      return models as PurchaseModel[];
    })
    .optional(),
  format: tableFormat,
});

/** GET /v1/stages/changes: changes to a stage, of a customer, in a time range; paged. */
export const stageChangesQuerySchema = z.object({
  customerId: id.optional(),
  stage: z.enum(STAGES).optional(),
  from: instant.optional(),
  to: instant.optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  format: tableFormat,
});

/** GET /v1/stages/flows: moves between stages per period. */
export const flowsQuerySchema = z.object({ bucket: z.enum(['day', 'week', 'month']).default('week'), from: instant.optional(), to: instant.optional(), format: tableFormat });

/** GET /v1/value/progress: the base at each refit, or as each day, week or month ended. */
export const progressQuerySchema = z.object({ bucket: z.enum(['refit', 'day', 'week', 'month']).default('week'), from: instant.optional(), to: instant.optional(), format: tableFormat });

/** GET /v1/customers/falling: a fall of `minDrop` (a share) or more against the value kept `days` ago. */
export const fallingQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(3650).default(30),
  minDrop: z.coerce.number().gt(0).max(1).default(0.2),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: tableFormat,
});

/** GET /v1/measures: per week or month, for the base or one segment (slug or id); as CSV, the periods or the cohorts. */
export const measuresQuerySchema = z.object({
  bucket: z.enum(['week', 'month']).default('month'),
  segment: z.string().max(200).optional(),
  from: instant.optional(),
  to: instant.optional(),
  format: tableFormat,
  table: z.enum(['periods', 'cohorts']).default('periods'),
});

/** GET /v1/audiences: a subscription's filters (and churn tier, RFM group) as a list, paged by `cursor` (a page's last id). */
export const audienceQuerySchema = z.object({
  segment: z.string().max(200).optional(),
  stage: z.enum(STAGES).optional(),
  churnRisk: z.enum(CHURN_TIERS).optional(),
  rfm: z.enum(RFM_GROUPS).optional(),
  minClv: z.coerce.number().min(0).optional(),
  cursor: id.optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(1000),
  format: tableFormat,
});
export type AudienceQuery = z.output<typeof audienceQuerySchema>;
