// The analysts' tables of customer value: customers filtered, sorted and paged; segments with their value; and
// the value of the whole base by churn tier and RFM group, with its distribution.

import { CHURN_TIERS, RFM_GROUPS, STAGES, type CustomerValue, type Segment } from '../../recommender';
import type { CustomersQuery } from './schemas';
import type { ValueSnapshot } from './insights';

/** Values with the segments they are read with: the last refit's (CustomerInsights), or values as of a past day. */
export interface ValueView {
  readonly values: ValueSnapshot;
  readonly segments: readonly Segment[];
  segmentIdOf(customerId: string): number | undefined;
}

export interface ValueSummary {
  customers: number;
  clv: number;
  meanClv: number;
  expectedPurchases: number;
  revenue: number;
}

const sum = (values: Iterable<number | null>) => {
  let s = 0;
  for (const v of values) s += v ?? 0;
  return s;
};

/** Totals over a set of customers' values. */
export function summary(values: readonly CustomerValue[]): ValueSummary {
  const clv = sum(values.map((v) => v.clv));
  return {
    customers: values.length,
    clv,
    meanClv: values.length ? clv / values.length : 0,
    expectedPurchases: sum(values.map((v) => v.expectedPurchases)),
    revenue: sum(values.map((v) => v.revenue)),
  };
}

/** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least x: bin edges a person can read. */
function niceCeil(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return power * ([1, 2, 2.5, 5, 10].find((m) => m * power >= x * (1 - 1e-12)) ?? 10);
}

export interface ClvBin {
  from: number;
  /** null for the last bin, which is open: it gathers the top 1% rather than stretch the axis. */
  to: number | null;
  customers: number;
  clv: number;
}

/** A histogram of predicted CLV: `bins` bins of one readable width up to the 99th percentile, the last one open. */
export function clvDistribution(values: readonly (number | null)[], bins: number): ClvBin[] {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (known.length === 0) return [];
  const p99 = known[Math.min(known.length - 1, Math.floor(0.99 * known.length))];
  const width = p99 > 0 ? niceCeil(p99 / (bins - 1)) : 1;
  const out: ClvBin[] = Array.from({ length: bins }, (_, k) => ({ from: k * width, to: k === bins - 1 ? null : (k + 1) * width, customers: 0, clv: 0 }));
  for (const v of known) {
    const bin = out[Math.min(bins - 1, Math.floor(v / width))];
    bin.customers++;
    bin.clv += v;
  }
  return out;
}

/** The customers a query asks for: filtered, sorted (unknown values last either way, ties by id: pages are stable), one page. */
export function customerPage(insights: ValueView, q: Omit<CustomersQuery, 'format' | 'asOf'>): { total: number; page: CustomerValue[] } {
  const wanted = q.segment === undefined ? undefined : insights.segments.find((s) => s.slug === q.segment || String(s.id) === q.segment);
  let rows = [...insights.values.customers];
  if (q.segment !== undefined) rows = rows.filter((c) => wanted !== undefined && insights.segmentIdOf(c.id) === wanted.id);
  if (q.rfm) rows = rows.filter((c) => c.rfm.group === q.rfm);
  if (q.churnRisk) rows = rows.filter((c) => c.churnRisk === q.churnRisk);
  if (q.stage) rows = rows.filter((c) => c.stage === q.stage);
  const sign = q.order === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const x = a[q.sort];
    const y = b[q.sort];
    if (x === null || y === null) return x === y ? (a.id < b.id ? -1 : 1) : x === null ? 1 : -1;
    return sign * (x - y) || (a.id < b.id ? -1 : 1);
  });
  return { total: rows.length, page: rows.slice(q.offset, q.offset + q.limit) };
}

/** Each segment with the value of its customers who bought. */
export function segmentValues(insights: ValueView): (Segment & { value: ValueSummary })[] {
  const bySegment = new Map<number, CustomerValue[]>();
  for (const c of insights.values.customers) {
    const id = insights.segmentIdOf(c.id);
    if (id === undefined) continue;
    let list = bySegment.get(id);
    if (!list) bySegment.set(id, (list = []));
    list.push(c);
  }
  return insights.segments.map((s) => ({ ...s, value: summary(bySegment.get(s.id) ?? []) }));
}

/** The whole base's value, by churn tier, lifecycle stage and RFM group, and its distribution in `bins` bins. */
export function baseValue(insights: ValueView, bins: number) {
  const all = [...insights.values.customers];
  const by = <K extends string>(keys: readonly K[], of: (c: CustomerValue) => K | null) => Object.fromEntries(keys.map((k) => [k, summary(all.filter((c) => of(c) === k))]));
  return {
    all: summary(all),
    byChurnRisk: by(CHURN_TIERS, (c) => c.churnRisk),
    byStage: by(STAGES, (c) => c.stage),
    byRfmGroup: by(RFM_GROUPS, (c) => c.rfm.group),
    distribution: clvDistribution(
      all.map((c) => c.clv),
      bins,
    ),
  };
}
