// The effect of a variant against control on one metric, as GrowthBook's frequentist engine reads it: the
// difference of means and the relative uplift (its variance by the delta method), with CUPED's adjustment by
// each visitor's pre-exposure value, a fixed-horizon interval and p-value, and beside them an always-valid
// interval (a confidence sequence, safe to look at every day).

import { normalCdf, normalQuantile } from './distributions';
import { meanOf, spread, type Moments } from './moments';
import { sequentialHalfWidth } from './sequential';

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

export interface EffectOptions {
  /** 1 - the intervals' confidence: 0.05 for 95%. */
  alpha?: number;
  /** Adjust by the pre-exposure covariate (CUPED) where there is one that varies. */
  cuped?: boolean;
  /** The confidence sequence's tuning: the total sample at which it is narrowest (GrowthBook's default, 5,000). */
  sequentialTuning?: number;
}

export interface Effect {
  /** Each arm's mean (CUPED-adjusted when adjusted) with its fixed-horizon interval. */
  control: Interval;
  treatment: Interval;
  /** treatment - control, and treatment / control - 1 (null when control's mean is not positive). */
  absolute: Interval;
  relative: Interval | null;
  /** Two-sided, fixed horizon, of the absolute difference. */
  pValue: number;
  /** The same two, valid however often they are looked at. */
  sequential: { absolute: Interval; relative: Interval | null };
  /** θ and the share of the difference's variance it took away; null when not adjusted. */
  cuped: { theta: number; varianceReduction: number } | null;
  /** The difference's standard error, as adjusted. */
  standardError: number;
}

/** A mean metric's effect between the two arms (visitors are the unit: revenue per visitor, conversion). */
export function meanEffect(control: Moments, treatment: Moments, options: EffectOptions = {}): Effect {
  const alpha = options.alpha ?? 0.05;
  const z = normalQuantile(1 - alpha / 2);
  const c = spread(control);
  const t = spread(treatment);
  const theta = options.cuped === false ? 0 : pooledTheta(control, treatment, c, t);
  // The adjusted arms: y - θ(x - x̄), x̄ over both arms; their variance is that of y - θx.
  const xBar = (control.sx + treatment.sx) / Math.max(1, control.n + treatment.n);
  const armOf = (m: Moments, s: ReturnType<typeof spread>) => ({
    mean: meanOf(m) - theta * (m.n ? m.sx / m.n - xBar : 0),
    variance: m.n ? Math.max(0, s.vy + theta * theta * s.vx - 2 * theta * s.cxy) / m.n : 0,
  });
  const a = armOf(control, c);
  const b = armOf(treatment, t);
  const difference = b.mean - a.mean;
  const variance = a.variance + b.variance;
  const se = Math.sqrt(variance);
  const unadjusted = c.vy / Math.max(1, control.n) + t.vy / Math.max(1, treatment.n);
  const relative = relativeOf(a, b);
  const n = control.n + treatment.n;
  const seq = (v: number) => sequentialHalfWidth(v, n, alpha, options.sequentialTuning);
  return {
    control: around(a.mean, z * Math.sqrt(a.variance)),
    treatment: around(b.mean, z * Math.sqrt(b.variance)),
    absolute: around(difference, z * se),
    relative: relative && around(relative.estimate, z * Math.sqrt(relative.variance)),
    pValue: se > 0 ? 2 * normalCdf(-Math.abs(difference) / se) : difference === 0 ? 1 : 0,
    sequential: { absolute: around(difference, seq(variance)), relative: relative && around(relative.estimate, seq(relative.variance)) },
    cuped: theta !== 0 ? { theta, varianceReduction: unadjusted > 0 ? 1 - variance / unadjusted : 0 } : null,
    standardError: se,
  };
}

/**
 * CUPED's θ, one for both arms (as GrowthBook's regression adjustment): the pooled within-arm covariance of y and
 * x over the pooled variance of x; 0 when x does not vary (no pre-exposure data).
 */
function pooledTheta(control: Moments, treatment: Moments, c: ReturnType<typeof spread>, t: ReturnType<typeof spread>): number {
  const wc = Math.max(0, control.n - 1);
  const wt = Math.max(0, treatment.n - 1);
  const vx = wc * c.vx + wt * t.vx;
  return vx > 1e-12 ? (wc * c.cxy + wt * t.cxy) / vx : 0;
}

/** b / a - 1 and its delta-method variance (arms independent); null when a's mean is not positive. */
export function relativeOf(a: { mean: number; variance: number }, b: { mean: number; variance: number }): { estimate: number; variance: number } | null {
  if (!(a.mean > 0)) return null;
  return { estimate: b.mean / a.mean - 1, variance: b.variance / (a.mean * a.mean) + (b.mean * b.mean * a.variance) / a.mean ** 4 };
}

export const around = (estimate: number, halfWidth: number): Interval => ({ estimate, lower: estimate - halfWidth, upper: estimate + halfWidth });
