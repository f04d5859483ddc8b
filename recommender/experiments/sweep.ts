// An experiment's figures per variant, as they stood at the end of each day and now: one pass over the exposures
// and the orders after them, in day order. Each visitor's metric moves as their orders arrive, and the sums
// (moments) move with it, so a day's figures cost what changed that day, not a pass over every visitor.

import type { ExposureData } from './exposures';
import { MERGED_ROW } from './exposures';
import { emptyMoments, type Moments } from './moments';

/** The metrics measured per visitor, and average order value (a ratio: revenue over orders). */
export const SWEPT_METRICS = ['revenue', 'orders', 'conversion', 'clv', 'aov'] as const;
export type SweptMetric = (typeof SWEPT_METRICS)[number];

export type VariantMoments = Record<SweptMetric, Moments>;

export interface SweepInput {
  data: ExposureData;
  variants: number;
  /** Each person's revenue and orders over their whole history (the pre-exposure part is this less what came after). */
  totalRevenue: (person: number) => number;
  totalOrders: (person: number) => number;
  /** Each person's predicted value (0 for one who never bought). */
  value: (person: number) => number;
  /** The days to report: from the first exposure's day to this time's (ms). */
  end: number;
}

export interface Sweep {
  /** Per variant, as now. */
  variants: VariantMoments[];
  /** Per day (the start of the UTC day, ms), per variant, as at the day's end. */
  days: { day: number; variants: VariantMoments[] }[];
}

const DAY_MS = 86_400_000;
const blank = (): VariantMoments => ({ revenue: emptyMoments(), orders: emptyMoments(), conversion: emptyMoments(), clv: emptyMoments(), aov: emptyMoments() });
const copy = (v: VariantMoments): VariantMoments => ({ revenue: { ...v.revenue }, orders: { ...v.orders }, conversion: { ...v.conversion }, clv: { ...v.clv }, aov: { ...v.aov } });

/** Moves one visitor's (y, x) in the sums from (y0, x0) to (y1, x1). */
function move(m: Moments, y0: number, x0: number, y1: number, x1: number): void {
  m.sy += y1 - y0;
  m.syy += y1 * y1 - y0 * y0;
  m.sx += x1 - x0;
  m.sxx += x1 * x1 - x0 * x0;
  m.sxy += x1 * y1 - x0 * y0;
}

/** Rows (or orders) grouped by day: `start[d]..start[d+1]` index `order`. */
function byDay(times: Float64Array, keep: (i: number) => boolean, firstDay: number, days: number): { start: Int32Array; order: Int32Array } {
  const dayOf = (i: number) => Math.min(days - 1, Math.max(0, Math.floor(times[i] / DAY_MS) - firstDay));
  const start = new Int32Array(days + 1);
  for (let i = 0; i < times.length; i++) if (keep(i)) start[dayOf(i) + 1]++;
  for (let d = 0; d < days; d++) start[d + 1] += start[d];
  const next = start.slice(0, days);
  const order = new Int32Array(start[days]);
  for (let i = 0; i < times.length; i++) if (keep(i)) order[next[dayOf(i)]++] = i;
  return { start, order };
}

export function sweepExposures({ data, variants, totalRevenue, totalOrders, value, end }: SweepInput): Sweep {
  const { variant, at, person, orderRow, orderRevenue } = data;
  const rows = variant.length;
  const live = (r: number) => variant[r] !== MERGED_ROW && variant[r] < variants;
  const postRevenue = new Float64Array(rows);
  const postOrders = new Float64Array(rows);
  for (let o = 0; o < orderRow.length; o++) {
    postRevenue[orderRow[o]] += orderRevenue[o];
    postOrders[orderRow[o]]++;
  }
  const preRevenue = new Float64Array(rows);
  const preOrders = new Float64Array(rows);
  const clv = new Float64Array(rows);
  let first = Infinity;
  for (let r = 0; r < rows; r++) {
    if (!live(r)) continue;
    preRevenue[r] = Math.max(0, totalRevenue(person[r]) - postRevenue[r]);
    preOrders[r] = Math.max(0, totalOrders(person[r]) - postOrders[r]);
    clv[r] = value(person[r]);
    first = Math.min(first, at[r]);
  }
  const current = Array.from({ length: variants }, blank);
  if (first === Infinity) return { variants: current, days: [] };
  const firstDay = Math.floor(first / DAY_MS);
  const days = Math.max(1, Math.floor(Math.max(end, first) / DAY_MS) - firstDay + 1);
  const exposed = byDay(at, live, firstDay, days);
  const ordered = byDay(data.orderAt, (o) => live(orderRow[o]), firstDay, days);
  // Revenue and orders since exposure, as far as the sweep has come.
  const revenue = new Float64Array(rows);
  const orders = new Float64Array(rows);
  const out: Sweep['days'] = [];
  for (let d = 0; d < days; d++) {
    for (let i = exposed.start[d]; i < exposed.start[d + 1]; i++) {
      const r = exposed.order[i];
      const m = current[variant[r]];
      for (const k of SWEPT_METRICS) m[k].n++;
      move(m.revenue, 0, 0, 0, preRevenue[r]);
      move(m.orders, 0, 0, 0, preOrders[r]);
      move(m.conversion, 0, 0, 0, preOrders[r] > 0 ? 1 : 0);
      move(m.clv, 0, 0, clv[r], preRevenue[r]);
    }
    for (let i = ordered.start[d]; i < ordered.start[d + 1]; i++) {
      const o = ordered.order[i];
      const r = orderRow[o];
      const m = current[variant[r]];
      const y0 = revenue[r];
      const n0 = orders[r];
      const y1 = (revenue[r] += orderRevenue[o]);
      const n1 = ++orders[r];
      move(m.revenue, y0, preRevenue[r], y1, preRevenue[r]);
      move(m.orders, n0, preOrders[r], n1, preOrders[r]);
      if (n0 === 0) move(m.conversion, 0, preOrders[r] > 0 ? 1 : 0, 1, preOrders[r] > 0 ? 1 : 0);
      move(m.aov, y0, n0, y1, n1);
    }
    out.push({ day: (firstDay + d) * DAY_MS, variants: current.map(copy) });
  }
  return { variants: current, days: out };
}
