// RFM: recency, frequency and monetary scores from 1 to 5 (quintiles among customers who bought), and the
// named groups marketers use, read off the recency and frequency scores (the customary R x F grid).

export interface RfmInput {
  /** Days since the last order. */
  recencyDays: number;
  orders: number;
  revenue: number;
}

export interface RfmScore {
  r: number;
  f: number;
  m: number;
  group: RfmGroup;
}

export const RFM_GROUPS = ['champions', 'loyal', 'potential-loyalists', 'new', 'promising', 'need-attention', 'about-to-sleep', 'at-risk', 'cannot-lose', 'hibernating'] as const;
export type RfmGroup = (typeof RFM_GROUPS)[number];

export const RFM_LABELS: Record<RfmGroup, string> = {
  champions: 'Champions',
  loyal: 'Loyal customers',
  'potential-loyalists': 'Potential loyalists',
  new: 'New customers',
  promising: 'Promising',
  'need-attention': 'Need attention',
  'about-to-sleep': 'About to sleep',
  'at-risk': 'At risk',
  'cannot-lose': "Can't lose them",
  hibernating: 'Hibernating',
};

/** The group of a recency score r and frequency score f (both 1-5). */
export function rfmGroup(r: number, f: number): RfmGroup {
  if (r >= 5 && f >= 4) return 'champions';
  if (r >= 3 && f >= 4) return 'loyal';
  if (r >= 4 && f >= 2) return 'potential-loyalists';
  if (r >= 5) return 'new';
  if (r === 4) return 'promising';
  if (r === 3 && f === 3) return 'need-attention';
  if (r === 3) return 'about-to-sleep';
  if (f >= 5) return 'cannot-lose';
  if (f >= 3) return 'at-risk';
  return 'hibernating';
}

/**
 * Scores every customer with an order (others get undefined). A score is 1 + the number of fifths of the
 * buyers that do worse: ties share a score, so the many one-order customers all score F = 1.
 */
export function scoreRfm(customers: readonly RfmInput[]): (RfmScore | undefined)[] {
  const buyers = customers.filter((c) => c.orders > 0);
  const n = buyers.length;
  const rank = (values: number[]) => {
    const sorted = Float64Array.from(values).sort();
    // The number of values strictly below v: the first index of v in the sorted list.
    return (v: number) => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      return 1 + Math.min(4, Math.floor((5 * lo) / n));
    };
  };
  // Recency: fewer days is better, so rank the negated days.
  const r = rank(buyers.map((c) => -c.recencyDays));
  const f = rank(buyers.map((c) => c.orders));
  const m = rank(buyers.map((c) => c.revenue));
  return customers.map((c) => {
    if (c.orders <= 0) return undefined;
    const score = { r: r(-c.recencyDays), f: f(c.orders), m: m(c.revenue) };
    return { ...score, group: rfmGroup(score.r, score.f) };
  });
}
