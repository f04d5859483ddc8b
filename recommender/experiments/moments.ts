// What an analysis needs of a variant's visitors, summed once: for each visitor a metric y (revenue after their
// first exposure, say) and a covariate x (the same before it, for CUPED), or a ratio's numerator and
// denominator. A million exposures are read once into a few numbers; everything after is arithmetic.

/** Sums over a variant's visitors of y, y², x, x² and xy (x is 0 without a covariate). */
export interface Moments {
  n: number;
  sy: number;
  syy: number;
  sx: number;
  sxx: number;
  sxy: number;
}

export const emptyMoments = (): Moments => ({ n: 0, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0 });

/** Adds one visitor's metric and covariate. */
export function addVisitor(m: Moments, y: number, x = 0): void {
  m.n++;
  m.sy += y;
  m.syy += y * y;
  m.sx += x;
  m.sxx += x * x;
  m.sxy += x * y;
}

/** The moments of visitors' metrics `y` (and covariates `x`), index by index. */
export function momentsOf(y: ArrayLike<number>, x?: ArrayLike<number>): Moments {
  const m = emptyMoments();
  for (let i = 0; i < y.length; i++) addVisitor(m, y[i], x ? x[i] : 0);
  return m;
}

/** The mean of y. */
export const meanOf = (m: Moments): number => (m.n ? m.sy / m.n : 0);

/** Sample variance of y, of x, and their sample covariance (n - 1 in the denominator). */
export function spread(m: Moments): { vy: number; vx: number; cxy: number } {
  if (m.n < 2) return { vy: 0, vx: 0, cxy: 0 };
  const k = 1 / (m.n - 1);
  return { vy: Math.max(0, (m.syy - (m.sy * m.sy) / m.n) * k), vx: Math.max(0, (m.sxx - (m.sx * m.sx) / m.n) * k), cxy: (m.sxy - (m.sx * m.sy) / m.n) * k };
}
