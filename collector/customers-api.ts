// Customer value over HTTP: the visitor's own profile for the shop's page (write key: nothing a merchant has
// not made public), and the analysts' tables (analyst key): customers with CLV, P(alive) and RFM, segment
// summaries, and the value of the whole base.

import type { Express, RequestHandler } from 'express';
import { CHURN_TIERS, RFM_GROUPS, RFM_LABELS, type CustomerValue, type Segment } from '../recommender';
import type { ProfileResponse, PublicProfileField } from '../sdk/wire';
import { sendCsv } from './http/csv';
import { invalid } from './http/errors';
import type { Personalizer } from './personalizer';
import { clvQuerySchema, customersQuerySchema, profileQuerySchema, segmentsQuerySchema } from './customers/schemas';

/** GET /v1/profile: segment, RFM group and churn risk; raw figures only when made public. */
export function profileOf(personalizer: Personalizer, raw: unknown, publicFields: readonly PublicProfileField[]): ProfileResponse {
  const query = profileQuerySchema.safeParse(raw);
  if (!query.success) throw invalid(query.error, 'query');
  const { anonymousId, userId } = query.data;
  const { segment, value } = personalizer.profileOf(anonymousId, userId);
  const shown = new Set(publicFields);
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
  };
}

const sum = (values: Iterable<number | null>) => {
  let s = 0;
  for (const v of values) s += v ?? 0;
  return s;
};

/** Totals over a set of customers' values. */
function summary(values: readonly CustomerValue[]) {
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

export function registerCustomerRoutes(app: Express, personalizer: Personalizer, analyst: RequestHandler): void {
  app.get('/v1/customers', analyst, (req, res) => {
    const query = customersQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { limit, offset, sort, order, segment, rfm, churnRisk, format } = query.data;
    const wanted = segment === undefined ? undefined : personalizer.segments.find((s) => s.slug === segment || String(s.id) === segment);
    let rows = [...personalizer.values.customers];
    if (segment !== undefined) rows = rows.filter((c) => wanted !== undefined && personalizer.segmentIdOf(c.id) === wanted.id);
    if (rfm) rows = rows.filter((c) => c.rfm.group === rfm);
    if (churnRisk) rows = rows.filter((c) => c.churnRisk === churnRisk);
    // Unknown values (models not fitted yet) sort last either way; ties by id, so pages are stable.
    const sign = order === 'asc' ? 1 : -1;
    rows.sort((a, b) => {
      const x = a[sort];
      const y = b[sort];
      if (x === null || y === null) return x === y ? (a.id < b.id ? -1 : 1) : x === null ? 1 : -1;
      return sign * (x - y) || (a.id < b.id ? -1 : 1);
    });
    const page = rows.slice(offset, offset + limit);
    if (format === 'csv') {
      const flat = page.map((c) => ({ ...c, segment: personalizer.segmentInfoOf(c.id)?.slug ?? '', rfmR: c.rfm.r, rfmF: c.rfm.f, rfmM: c.rfm.m, rfmGroup: c.rfm.group }));
      sendCsv(res, 'customers', ['id', 'segment', 'orders', 'revenue', 'clv', 'pAlive', 'expectedPurchases', 'expectedSpend', 'churnRisk', 'rfmR', 'rfmF', 'rfmM', 'rfmGroup'], flat);
      return;
    }
    res.json({
      total: rows.length,
      limit,
      offset,
      updatedAt: new Date(personalizer.values.updatedAt).toISOString(),
      customers: page.map((c) => ({ ...c, rfm: { ...c.rfm, label: RFM_LABELS[c.rfm.group] }, segment: personalizer.segmentInfoOf(c.id) })),
    });
  });

  app.get('/v1/segments', analyst, (req, res) => {
    const query = segmentsQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const bySegment = new Map<number, CustomerValue[]>();
    for (const c of personalizer.values.customers) {
      const id = personalizer.segmentIdOf(c.id);
      if (id === undefined) continue;
      let list = bySegment.get(id);
      if (!list) bySegment.set(id, (list = []));
      list.push(c);
    }
    const segments = personalizer.segments.map((s: Segment) => ({ ...s, value: summary(bySegment.get(s.id) ?? []) }));
    if (query.data.format === 'csv') {
      const features = [...new Set(segments.flatMap((s) => Object.keys(s.centroid)))];
      const rows = segments.map(({ centroid, value, ...s }) => ({
        ...s,
        ...Object.fromEntries(features.map((f) => [`centroid.${f}`, centroid[f]])),
        customers: value.customers,
        clv: value.clv,
        meanClv: value.meanClv,
        expectedPurchases: value.expectedPurchases,
        revenue: value.revenue,
      }));
      sendCsv(res, 'segments', ['id', 'slug', 'label', 'size', 'revenueShare', 'customers', 'clv', 'meanClv', 'expectedPurchases', 'revenue', ...features.map((f) => `centroid.${f}`)], rows);
      return;
    }
    res.json({ segments });
  });

  app.get('/v1/clv', analyst, (req, res) => {
    const query = clvQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { bins, format, table } = query.data;
    const { model, updatedAt } = personalizer.values;
    const all = [...personalizer.values.customers];
    const by = <K extends string>(keys: readonly K[], of: (c: CustomerValue) => K | null) =>
      Object.fromEntries(keys.map((k) => [k, summary(all.filter((c) => of(c) === k))]));
    const byChurnRisk = by(CHURN_TIERS, (c) => c.churnRisk);
    const byRfmGroup = by(RFM_GROUPS, (c) => c.rfm.group);
    const distribution = clvDistribution(all.map((c) => c.clv), bins);
    if (format === 'csv') {
      if (table === 'distribution') return sendCsv(res, 'clv-distribution', ['from', 'to', 'customers', 'clv'], distribution);
      const rows = [
        { group: 'all', name: 'all', ...summary(all) },
        ...Object.entries(byChurnRisk).map(([name, s]) => ({ group: 'churnRisk', name, ...s })),
        ...Object.entries(byRfmGroup).map(([name, s]) => ({ group: 'rfm', name, ...s })),
      ];
      return sendCsv(res, 'clv', ['group', 'name', 'customers', 'clv', 'meanClv', 'expectedPurchases', 'revenue'], rows);
    }
    res.json({ updatedAt: new Date(updatedAt).toISOString(), ...summary(all), byChurnRisk, byRfmGroup, distribution, model });
  });
}
