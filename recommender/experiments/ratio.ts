// A ratio metric, whose unit is not the visitor: average order value is revenue over orders, both summed over a
// variant's visitors. Its variance comes by the delta method from the visitors' numerators and denominators
// (y and x of the moments), as GrowthBook's ratio metrics.

import { normalQuantile } from './distributions';
import { around, relativeOf, type Interval } from './effect';
import { spread, type Moments } from './moments';

export interface RatioEffect {
  control: Interval | null;
  treatment: Interval | null;
  absolute: Interval | null;
  relative: Interval | null;
}

/** Σy / Σx and its variance: (1/n)(Var y / x̄² - 2 ȳ Cov(x, y) / x̄³ + ȳ² Var x / x̄⁴); null without a denominator. */
export function ratioOf(m: Moments): { mean: number; variance: number } | null {
  if (!(m.sx > 0) || m.n === 0) return null;
  const { vy, vx, cxy } = spread(m);
  const y = m.sy / m.n;
  const x = m.sx / m.n;
  const variance = Math.max(0, (vy / (x * x) - (2 * y * cxy) / x ** 3 + (y * y * vx) / x ** 4) / m.n);
  return { mean: m.sy / m.sx, variance };
}

/** The ratio in each arm, and treatment against control, with fixed-horizon intervals. */
export function ratioEffect(control: Moments, treatment: Moments, alpha = 0.05): RatioEffect {
  const z = normalQuantile(1 - alpha / 2);
  const a = ratioOf(control);
  const b = ratioOf(treatment);
  const arm = (r: typeof a) => r && around(r.mean, z * Math.sqrt(r.variance));
  const relative = a && b ? relativeOf(a, b) : null;
  return {
    control: arm(a),
    treatment: arm(b),
    absolute: a && b ? around(b.mean - a.mean, z * Math.sqrt(a.variance + b.variance)) : null,
    relative: relative && around(relative.estimate, z * Math.sqrt(relative.variance)),
  };
}
