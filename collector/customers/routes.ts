// Customer value over HTTP: the visitor's own segment and profile for the shop's page (write key: nothing a
// merchant has not made public), the analysts' tables (analyst key), and a refit on demand (admin key).

import { RFM_LABELS } from '../../recommender';
import type { ProfileResponse, PublicProfileField } from '../../sdk/wire';
import { reply, route, type Route } from '../http/route';
import type { Experiments } from '../experiments/experiments';
import type { CustomerInsights } from './insights';
import type { Refits } from './refit';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import { backtestStored } from './backtests';
import { backtestQuerySchema, clvQuerySchema, customersQuerySchema, profileQuerySchema, segmentQuerySchema, segmentsQuerySchema } from './schemas';
import { baseValue, customerPage, segmentValues } from './tables';

const NO_STORE = { 'Cache-Control': 'no-store' };

const CUSTOMER_COLUMNS = ['id', 'segment', 'orders', 'revenue', 'clv', 'pAlive', 'expectedPurchases', 'expectedSpend', 'churnRisk', 'rfmR', 'rfmF', 'rfmM', 'rfmGroup'];
const VALUE_COLUMNS = ['customers', 'clv', 'meanClv', 'expectedPurchases', 'revenue'];

/** GET /v1/profile: segment, RFM group and churn risk; raw figures only when made public. */
function profile(insights: CustomerInsights, experiments: Experiments, query: { anonymousId?: string; userId?: string }, shown: ReadonlySet<PublicProfileField>): ProfileResponse {
  const { anonymousId, userId } = query;
  // A held-out visitor is told nothing Patron knows of them: the page shows what it shows an unknown visitor.
  const holdout = experiments.holdout(anonymousId, userId);
  const { segment, value } = holdout?.held ? { segment: null, value: undefined } : insights.profileOf(anonymousId, userId);
  const tests = [...(holdout ? [holdout.assigned] : []), ...(holdout?.held ? [] : experiments.forContent(anonymousId, userId))];
  return {
    ...(anonymousId !== undefined ? { anonymousId } : {}),
    ...(userId !== undefined ? { userId } : {}),
    segment,
    rfm: value ? { group: value.rfm.group, label: RFM_LABELS[value.rfm.group] } : null,
    churnRisk: value?.churnRisk ?? null,
    ...(shown.has('clv') ? { clv: value?.clv ?? null } : {}),
    ...(shown.has('pAlive') ? { pAlive: value?.pAlive ?? null } : {}),
    ...(shown.has('expectedPurchases') ? { expectedPurchases: value?.expectedPurchases ?? null } : {}),
    ...(shown.has('rfmScores') ? { rfmScores: value ? { r: value.rfm.r, f: value.rfm.f, m: value.rfm.m } : null } : {}),
    ...(tests.length ? { experiments: tests } : {}),
  };
}

/** The storefront's reads of its visitor, on the fast path. */
export function visitorRoutes(insights: CustomerInsights, experiments: Experiments, profilePublic: readonly PublicProfileField[]): Route[] {
  const shown = new Set(profilePublic);
  return [
    route({
      method: 'get',
      path: '/v1/segment',
      summary: "The visitor's behavioural segment",
      role: 'write',
      query: segmentQuerySchema,
      fast: true,
      headers: NO_STORE,
      handle: ({ query }) => ({
        anonymousId: query.anonymousId ?? query.userId!,
        segment: experiments.holdout(query.anonymousId, query.userId)?.held ? null : insights.segmentOf(query.anonymousId, query.userId),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/profile',
      summary: "The visitor's segment, RFM group and churn risk (and figures the merchant made public)",
      role: 'write',
      query: profileQuerySchema,
      fast: true,
      headers: NO_STORE,
      handle: ({ query }) => profile(insights, experiments, query, shown),
    }),
  ];
}

const BACKTEST_COLUMNS = [
  'model',
  'purchasesRmse',
  'purchasesMae',
  'purchasesSpearman',
  'purchasesPredicted',
  'purchasesActual',
  'spendSpearman',
  'spendTopDecileCapture',
  'spendPredicted',
  'spendActual',
  'churnAuc',
  'error',
];

export function customerRoutes(insights: CustomerInsights, refits: Refits, learner: Learner, identities: Identities): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/backtest',
      summary: 'The purchase models valued as of a calibration end on the stored orders, and scored on the holdout after it',
      role: 'analyst',
      query: backtestQuerySchema,
      handle: async ({ query }) => {
        const { format, ...q } = query;
        const result = await backtestStored(learner, identities, refits, q);
        if (format !== 'csv') return result;
        const rows = result.models.map((m) => ({
          model: m.model,
          purchasesRmse: m.purchases.rmse,
          purchasesMae: m.purchases.mae,
          purchasesSpearman: m.purchases.spearman,
          purchasesPredicted: m.purchases.predicted,
          purchasesActual: m.purchases.actual,
          spendSpearman: m.spend.spearman,
          spendTopDecileCapture: m.spend.topDecileCapture,
          spendPredicted: m.spend.predicted,
          spendActual: m.spend.actual,
          churnAuc: m.churnAuc ?? '',
          error: m.error ?? '',
        }));
        return reply.csv('backtest', BACKTEST_COLUMNS, rows);
      },
    }),
    route({
      method: 'post',
      path: '/v1/segments/refit',
      summary: 'Refit segments and customer value now',
      role: 'admin',
      handle: async () => {
        await refits.refit();
        return { segments: insights.segments };
      },
    }),
    route({
      method: 'get',
      path: '/v1/segments',
      summary: 'Segments with their size, centroid, share of revenue and value',
      role: 'analyst',
      query: segmentsQuerySchema,
      handle: ({ query }) => {
        const segments = segmentValues(insights);
        if (query.format !== 'csv') return { segments };
        const features = [...new Set(segments.flatMap((s) => Object.keys(s.centroid)))];
        const rows = segments.map(({ centroid, value, ...s }) => ({ ...s, ...Object.fromEntries(features.map((f) => [`centroid.${f}`, centroid[f]])), ...value }));
        return reply.csv('segments', ['id', 'slug', 'label', 'size', 'revenueShare', ...VALUE_COLUMNS, ...features.map((f) => `centroid.${f}`)], rows);
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers',
      summary: 'Customers with CLV, P(alive), expected purchases, churn risk, RFM and segment',
      role: 'analyst',
      query: customersQuerySchema,
      handle: ({ query }) => {
        const { format, ...q } = query;
        const { total, page } = customerPage(insights, q);
        if (format === 'csv') {
          const flat = page.map((c) => ({ ...c, segment: insights.segmentInfoOf(c.id)?.slug ?? '', rfmR: c.rfm.r, rfmF: c.rfm.f, rfmM: c.rfm.m, rfmGroup: c.rfm.group }));
          return reply.csv('customers', CUSTOMER_COLUMNS, flat);
        }
        const customers = page.map((c) => ({ ...c, rfm: { ...c.rfm, label: RFM_LABELS[c.rfm.group] }, segment: insights.segmentInfoOf(c.id) }));
        return { total, limit: q.limit, offset: q.offset, updatedAt: new Date(insights.values.updatedAt).toISOString(), customers };
      },
    }),
    route({
      method: 'get',
      path: '/v1/clv',
      summary: 'The value of the whole customer base, by churn tier and RFM group, its distribution, and the fitted models',
      role: 'analyst',
      query: clvQuerySchema,
      handle: ({ query }) => {
        const { all, byChurnRisk, byRfmGroup, distribution } = baseValue(insights, query.bins);
        const { model, updatedAt } = insights.values;
        if (query.format !== 'csv') return { updatedAt: new Date(updatedAt).toISOString(), ...all, byChurnRisk, byRfmGroup, distribution, model };
        if (query.table === 'distribution') return reply.csv('clv-distribution', ['from', 'to', 'customers', 'clv'], distribution);
        const rows = [
          { group: 'all', name: 'all', ...all },
          ...Object.entries(byChurnRisk).map(([name, s]) => ({ group: 'churnRisk', name, ...s })),
          ...Object.entries(byRfmGroup).map(([name, s]) => ({ group: 'rfm', name, ...s })),
        ];
        return reply.csv('clv', ['group', 'name', ...VALUE_COLUMNS], rows);
      },
    }),
  ];
}
