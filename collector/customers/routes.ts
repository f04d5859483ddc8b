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
import { baseValue, customerPage, segmentValues, type ValueView } from './tables';
import { ValuesAsOf } from './as-of';

const NO_STORE = { 'Cache-Control': 'no-store' };

const CUSTOMER_COLUMNS = ['id', 'segment', 'orders', 'revenue', 'clv', 'pAlive', 'expectedPurchases', 'expectedSpend', 'churnRisk', 'stage', 'rfmR', 'rfmF', 'rfmM', 'rfmGroup'];
const VALUE_COLUMNS = ['customers', 'clv', 'meanClv', 'expectedPurchases', 'revenue'];

/** GET /v1/profile: segment, RFM group and churn risk; raw figures only when made public. */
function profile(insights: CustomerInsights, experiments: Experiments, query: { anonymousId?: string; userId?: string }, shown: ReadonlySet<PublicProfileField>): ProfileResponse {
  const { anonymousId, userId } = query;
  // A held-out visitor is told nothing Patron knows of them: the page shows what it shows an unknown visitor.
  const holdout = experiments.holdout(anonymousId, userId);
  const { segment, value, customerId } = holdout?.held ? { segment: null, value: undefined, customerId: undefined } : insights.profileOf(anonymousId, userId);
  const stage = customerId === undefined ? null : insights.stageOf(customerId);
  const rfm = value ? { group: value.rfm.group, label: RFM_LABELS[value.rfm.group] } : null;
  const churnRisk = value?.churnRisk ?? null;
  // What a targeting rule can name, made here so that the SDK only looks its rule's words up.
  const traits = [segment && `segment:${segment.slug}`, segment && `segment:${segment.id}`, rfm && `rfm:${rfm.group}`, churnRisk && `churn:${churnRisk}`, stage && `stage:${stage}`].filter(
    (t): t is string => !!t,
  );
  const tests = [...(holdout ? [holdout.assigned] : []), ...(holdout?.held ? [] : experiments.forContent(anonymousId, userId))];
  return {
    ...(anonymousId !== undefined ? { anonymousId } : {}),
    ...(userId !== undefined ? { userId } : {}),
    segment,
    rfm,
    churnRisk,
    stage,
    traits,
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
  const asOf = new ValuesAsOf(learner, identities, refits);
  // The last refit's values, or (with `asOf`) every customer valued on the orders up to that day.
  const viewOf = async (day: string | undefined): Promise<ValueView> =>
    day === undefined ? insights : { values: await asOf.of(day), segments: insights.segments, segmentIdOf: (id) => insights.segmentIdOf(id) };
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
      summary: 'Customers with CLV, P(alive), expected purchases, churn risk, lifecycle stage, RFM and segment (as of the last refit, or of a past day)',
      role: 'analyst',
      query: customersQuerySchema,
      handle: async ({ query }) => {
        const { format, asOf: day, ...q } = query;
        const view = await viewOf(day);
        const { total, page } = customerPage(view, q);
        if (format === 'csv') {
          const flat = page.map((c) => ({ ...c, segment: insights.segmentInfoOf(c.id)?.slug ?? '', rfmR: c.rfm.r, rfmF: c.rfm.f, rfmM: c.rfm.m, rfmGroup: c.rfm.group }));
          return reply.csv('customers', CUSTOMER_COLUMNS, flat);
        }
        const customers = page.map((c) => ({ ...c, rfm: { ...c.rfm, label: RFM_LABELS[c.rfm.group] }, segment: insights.segmentInfoOf(c.id) }));
        return { total, limit: q.limit, offset: q.offset, updatedAt: new Date(view.values.updatedAt).toISOString(), customers };
      },
    }),
    route({
      method: 'get',
      path: '/v1/clv',
      summary: 'The value of the whole customer base, by churn tier, stage and RFM group, its distribution, and the models chosen and fitted',
      role: 'analyst',
      query: clvQuerySchema,
      handle: async ({ query }) => {
        const view = await viewOf(query.asOf);
        const { all, byChurnRisk, byStage, byRfmGroup, distribution } = baseValue(view, query.bins);
        const { model, updatedAt } = view.values;
        if (query.format !== 'csv') return { updatedAt: new Date(updatedAt).toISOString(), ...all, byChurnRisk, byStage, byRfmGroup, distribution, model };
        if (query.table === 'distribution') return reply.csv('clv-distribution', ['from', 'to', 'customers', 'clv'], distribution);
        const rows = [
          { group: 'all', name: 'all', ...all },
          ...Object.entries(byChurnRisk).map(([name, s]) => ({ group: 'churnRisk', name, ...s })),
          ...Object.entries(byStage).map(([name, s]) => ({ group: 'stage', name, ...s })),
          ...Object.entries(byRfmGroup).map(([name, s]) => ({ group: 'rfm', name, ...s })),
        ];
        return reply.csv('clv', ['group', 'name', ...VALUE_COLUMNS], rows);
      },
    }),
  ];
}
