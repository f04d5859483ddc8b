// The value's progression over HTTP (analyst key): the merchant's measures per period, stage changes and the flows between stages, the base's value
// refit by refit or week by week, one customer's kept values, and the customers whose value is falling.

import { BUCKET, BUCKET_NAME, STAGES, type CustomerValue } from '../../recommender';
import { route, reply, type Route } from '../http/route';
import { HttpError } from '../http/errors';
import type { ProgressPoint, ProgressStore } from '../store/store';
import type { CustomerInsights } from './insights';
import { audienceQuerySchema, fallingQuerySchema, flowsQuerySchema, measuresQuerySchema, progressQuerySchema, stageChangesQuerySchema } from './schemas';
import { measures } from './measures';
import { audience } from './audiences';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The last point of each period: the base as the period ended. */
function lastOfEach(points: readonly ProgressPoint[], bucket: 'refit' | 'day' | 'week' | 'month'): (ProgressPoint & { period?: string })[] {
  if (bucket === 'refit') return [...points];
  const last = new Map<number, ProgressPoint>();
  for (const p of points) last.set(BUCKET[bucket](p.at), p);
  return [...last].map(([n, p]) => ({ ...p, period: BUCKET_NAME[bucket](n) }));
}

/** Customers whose predicted CLV fell by at least `minDrop` of what it was `days` ago, the largest falls first. */
async function falling(insights: CustomerInsights, store: ProgressStore, q: { days: number; minDrop: number; limit: number }) {
  const since = insights.values.updatedAt - q.days * DAY_MS;
  const before = await store.valuesAsOf(since);
  const rows: { customer: CustomerValue; was: number; drop: number }[] = [];
  for (const c of insights.values.customers) {
    const was = before.get(c.id)?.clv;
    if (was === undefined || was === null || c.clv === null || was <= 0) continue;
    const drop = (was - c.clv) / was;
    if (drop >= q.minDrop) rows.push({ customer: c, was, drop });
  }
  rows.sort((a, b) => b.was - b.customer.clv! - (a.was - a.customer.clv!) || (a.customer.id < b.customer.id ? -1 : 1));
  return {
    since: iso(since),
    total: rows.length,
    customers: rows.slice(0, q.limit).map((r) => ({ id: r.customer.id, clvBefore: r.was, clv: r.customer.clv, drop: r.drop, churnRisk: r.customer.churnRisk, stage: r.customer.stage })),
  };
}

const PERIOD_COLUMNS = [
  'period',
  'customers',
  'newCustomers',
  'orders',
  'revenue',
  'averagePurchaseValue',
  'purchaseFrequency',
  'repeatPurchaseRate',
  'retentionRate',
  'churnRate',
  'customerLifespan',
  'historicalClv',
  'predictedClv',
];

export function progressRoutes(insights: CustomerInsights, store: ProgressStore, learner: Learner, identities: Identities): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/measures',
      summary: 'Average purchase value, purchase frequency, repeat-purchase, retention and churn rates, lifespan, historical and predicted CLV per period; revenue retention by cohort',
      role: 'analyst',
      query: measuresQuerySchema,
      handle: async ({ query }) => {
        const { format, table, ...q } = query;
        const result = await measures(learner, identities, insights, store, q);
        if (format !== 'csv') return result;
        if (table === 'cohorts') return reply.csv('cohort-revenue', ['cohort', 'offset', 'size', 'customers', 'revenue', 'revenueRetention'], result.cohorts);
        return reply.csv('measures', PERIOD_COLUMNS, result.periods);
      },
    }),
    route({
      method: 'get',
      path: '/v1/audiences',
      summary: 'The customers a set of filters picks (segment, stage, churn tier, RFM group, least CLV), in id order, paged by a cursor; or as CSV',
      role: 'analyst',
      query: audienceQuerySchema,
      handle: ({ query }) => {
        const { format, ...q } = query;
        const result = audience(insights, q);
        return format === 'csv' ? reply.csv('audience', ['id', 'segment', 'stage', 'churnRisk', 'rfmGroup', 'clv', 'orders', 'revenue'], result.customers) : result;
      },
    }),
    route({
      method: 'get',
      path: '/v1/stages/changes',
      summary: 'Lifecycle stage changes, newest first, each on the day it happened',
      role: 'analyst',
      query: stageChangesQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        const changes = (await store.listStageChanges(q)).map((c) => ({ ...c, at: iso(c.at) }));
        return format === 'csv' ? reply.csv('stage-changes', ['customerId', 'at', 'from', 'to'], changes) : { limit: q.limit, offset: q.offset, changes };
      },
    }),
    route({
      method: 'get',
      path: '/v1/stages/flows',
      summary: 'Customers moving between lifecycle stages, per day, week or month',
      role: 'analyst',
      query: flowsQuerySchema,
      handle: async ({ query }) => {
        const flows = (await store.stageFlows(query)).map((f) => ({ period: BUCKET_NAME[query.bucket](f.period), from: f.from, to: f.to, customers: f.customers }));
        return query.format === 'csv' ? reply.csv('stage-flows', ['period', 'from', 'to', 'customers'], flows) : { bucket: query.bucket, stages: STAGES, flows };
      },
    }),
    route({
      method: 'get',
      path: '/v1/value/progress',
      summary: "The base's predicted value, expected purchases and customers by stage and churn tier, refit by refit or per period",
      role: 'analyst',
      query: progressQuerySchema,
      handle: async ({ query }) => {
        const points = lastOfEach(await store.listProgress(query), query.bucket).map((p) => ({ ...p, at: iso(p.at) }));
        if (query.format !== 'csv') return { bucket: query.bucket, points };
        const rows = points.map(({ byStage, byChurnRisk, ...p }) => ({
          ...p,
          ...Object.fromEntries(Object.entries(byStage).map(([k, v]) => [`stage.${k}`, v])),
          ...Object.fromEntries(Object.entries(byChurnRisk).map(([k, v]) => [`churn.${k}`, v])),
        }));
        const columns = ['period', 'at', 'customers', 'clv', 'expectedPurchases', ...STAGES.map((s) => `stage.${s}`), 'churn.active', 'churn.cooling', 'churn.at-risk', 'churn.lost'];
        return reply.csv('value-progress', query.bucket === 'refit' ? columns.slice(1) : columns, rows);
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers/falling',
      summary: 'Customers whose predicted CLV fell by at least a share since some days ago, the largest falls first',
      role: 'analyst',
      query: fallingQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        const result = await falling(insights, store, q);
        return format === 'csv' ? reply.csv('falling', ['id', 'clvBefore', 'clv', 'drop', 'churnRisk', 'stage'], result.customers) : result;
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers/:id/history',
      summary: "One customer's value refit by refit (kept when it moved) and their stage changes",
      role: 'analyst',
      params: { id: 'customer id' },
      handle: async ({ params }) => {
        const [values, changes] = await Promise.all([store.valueHistoryOf(params.id), store.listStageChanges({ customerId: params.id, limit: 1000 })]);
        const now = insights.valueOf(params.id);
        if (!values.length && !now) throw new HttpError(404, 'not_found', `No customer ${params.id} has been valued`);
        return {
          id: params.id,
          value: now ?? null,
          stage: insights.stageOf(params.id),
          history: values.map(({ customerId: _c, at, ...v }) => ({ at: iso(at), ...v })),
          stageChanges: changes.reverse().map(({ customerId: _c, at, ...c }) => ({ at: iso(at), ...c })),
        };
      },
    }),
  ];
}
