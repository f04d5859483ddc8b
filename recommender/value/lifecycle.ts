// Lifecycle stages, read off a customer's purchase days against the shop's own rhythm: how long its customers
// usually take between purchases sets when a customer is at risk and when lapsed, so a shop whose customers buy
// yearly is not told everyone is lapsing. Stages change at a purchase and when time passes a threshold, so every
// change has a time, and replaying the same purchases gives the same changes.

export const STAGES = ['new', 'active', 'loyal', 'at-risk', 'lapsed', 'reactivated'] as const;
export type Stage = (typeof STAGES)[number];

export interface LifecycleThresholds {
  /** Days since the last purchase after which a customer is at risk (the shop's 80th percentile gap between purchases). */
  atRiskAfterDays: number;
  /** ...and lapsed (the 95th percentile gap, at least 1.5 times the at-risk threshold). */
  lapsedAfterDays: number;
  /** Repeat purchase days (within the last year) that make a customer loyal. */
  loyalRepeats: number;
}

const DEFAULT_GAPS = { atRisk: 0.8, lapsed: 0.95 };

function quantile(sorted: readonly number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  return sorted[lo] + (sorted[Math.min(sorted.length - 1, lo + 1)] - sorted[lo]) * (i - lo);
}

/**
 * The thresholds from the gaps (days) between consecutive purchase days of the shop's customers: at risk past the
 * 80th percentile, lapsed past the 95th (and at least 1.5 times the at-risk threshold), loyal from 3 repeat
 * purchases; each may be set instead. Without gaps yet (no repeat buyer): 90 and 180 days.
 */
export function lifecycleThresholds(gaps: readonly number[], set: Partial<LifecycleThresholds> = {}): LifecycleThresholds {
  const sorted = gaps.filter((g) => g > 0).sort((a, b) => a - b);
  const atRisk = set.atRiskAfterDays ?? (sorted.length ? Math.max(1, Math.round(quantile(sorted, DEFAULT_GAPS.atRisk))) : 90);
  const lapsed = set.lapsedAfterDays ?? (sorted.length ? Math.max(Math.round(atRisk * 1.5), Math.round(quantile(sorted, DEFAULT_GAPS.lapsed))) : 180);
  return { atRiskAfterDays: atRisk, lapsedAfterDays: Math.max(lapsed, atRisk + 1), loyalRepeats: set.loyalRepeats ?? 3 };
}

/** The gaps between consecutive purchase days of each customer (sorted days), for lifecycleThresholds. */
export function purchaseGaps(customersDays: Iterable<readonly number[]>): number[] {
  const gaps: number[] = [];
  for (const days of customersDays) for (let i = 1; i < days.length; i++) gaps.push(days[i] - days[i - 1]);
  return gaps;
}

/** A customer's stage on `today` (a day number) from their purchase days up to it (sorted); null before any. */
export function stageOn(days: readonly number[], today: number, t: LifecycleThresholds): Stage | null {
  let n = 0;
  while (n < days.length && days[n] <= today) n++;
  if (n === 0) return null;
  const last = days[n - 1];
  const since = today - last;
  if (since > t.lapsedAfterDays) return 'lapsed';
  if (since > t.atRiskAfterDays) return 'at-risk';
  if (n === 1) return 'new';
  // Back after a gap long enough to have lapsed.
  if (last - days[n - 2] > t.lapsedAfterDays) return 'reactivated';
  let repeats = 0;
  for (let i = n - 1; i > 0 && days[i] > today - 365; i--) repeats++;
  return repeats >= t.loyalRepeats ? 'loyal' : 'active';
}

/**
 * Every change of stage from the first purchase to `until` (a day number), each with the day it happened: at each
 * purchase, and on the days the time since the last one passes a threshold.
 */
export function stageChanges(days: readonly number[], until: number, t: LifecycleThresholds): { stage: Stage; day: number }[] {
  const moments = new Set<number>();
  for (const d of days) {
    if (d > until) break;
    moments.add(d);
    for (const after of [t.atRiskAfterDays, t.lapsedAfterDays]) if (d + after + 1 <= until) moments.add(d + after + 1);
    // A purchase leaves the year's window of loyalty 365 days later.
    if (d + 365 <= until) moments.add(d + 365);
  }
  const out: { stage: Stage; day: number }[] = [];
  for (const day of [...moments].sort((a, b) => a - b)) {
    const stage = stageOn(days, day, t);
    if (stage && stage !== out[out.length - 1]?.stage) out.push({ stage, day });
  }
  return out;
}
