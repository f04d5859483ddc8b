// GET /v1/measures: the merchant's measures per period, for the whole base or one segment, from the stored orders;
// with the predicted CLV per customer as the refits of each period left it (a segment's: the last refit's, for
// the current period only, as segments are kept for the last refit alone).

import { BUCKET, BUCKET_NAME, merchantMeasures, type PeriodMeasures } from '../../recommender';
import { HttpError } from '../http/errors';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { ProgressStore } from '../store/store';
import { storedOrders } from './backtests';
import type { CustomerInsights } from './insights';

export interface MeasuresQuery {
  bucket: 'week' | 'month';
  segment?: string;
  from?: number;
  to?: number;
}

export async function measures(learner: Learner, identities: Identities, insights: CustomerInsights, store: ProgressStore, q: MeasuresQuery) {
  const segment = q.segment === undefined ? undefined : insights.segments.find((s) => s.slug === q.segment || String(s.id) === q.segment);
  if (q.segment !== undefined && !segment) throw new HttpError(400, 'invalid_request', `No segment ${q.segment}`, [{ path: 'segment', message: 'names no segment of the last refit' }]);
  const { customer, at, amount } = await storedOrders(learner, identities);
  const orders = Array.from(customer, (c, i) => ({ customer: c, at: at[i], revenue: amount[i] })).filter((o) => o.at >= (q.from ?? -Infinity) && o.at < (q.to ?? Infinity));
  const log = learner.events;
  const include = segment ? (c: number) => insights.segmentIdOf(log.personId(c)) === segment.id : undefined;
  const { periods, cohorts } = merchantMeasures(orders, BUCKET[q.bucket], include);
  const predicted = await predictedClvOf(insights, store, q, segment?.id);
  return {
    bucket: q.bucket,
    segment: segment ? { id: segment.id, slug: segment.slug, label: segment.label } : null,
    periods: periods.map((p): Omit<PeriodMeasures, 'period'> & { period: string; predictedClv: number | null } => ({
      ...p,
      period: BUCKET_NAME[q.bucket](p.period),
      predictedClv: predicted(p.period),
    })),
    cohorts: cohorts.map((c) => ({ ...c, cohort: BUCKET_NAME[q.bucket](c.cohort) })),
  };
}

/** Mean predicted CLV per valued customer, by period: the last refit in each period (a segment's: the last refit's). */
async function predictedClvOf(insights: CustomerInsights, store: ProgressStore, q: MeasuresQuery, segment: number | undefined): Promise<(period: number) => number | null> {
  const current = BUCKET[q.bucket](insights.values.updatedAt);
  if (segment !== undefined) {
    let clv = 0;
    let n = 0;
    for (const c of insights.values.customers) {
      if (c.clv === null || insights.segmentIdOf(c.id) !== segment) continue;
      clv += c.clv;
      n++;
    }
    return (period) => (period === current && n > 0 ? clv / n : null);
  }
  const last = new Map<number, number>();
  for (const p of await store.listProgress({})) if (p.customers > 0) last.set(BUCKET[q.bucket](p.at), p.clv / p.customers);
  return (period) => last.get(period) ?? null;
}
