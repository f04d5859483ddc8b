// Always-valid intervals: a confidence sequence holds its coverage however often it is looked at, so a merchant
// may watch an experiment every day and stop the moment it decides, without the inflated false positives of
// peeking at a fixed-horizon test. GrowthBook's sequential testing: the normal-mixture boundary of Howard,
// Ramdas, McAuliffe and Sekhon ("Time-uniform, nonparametric, nonasymptotic confidence sequences", 2021, eq. 14).

/** GrowthBook's default tuning: the total sample size at which the sequence is tightest. */
export const DEFAULT_SEQUENTIAL_TUNING = 5000;

/**
 * The half-width of the confidence sequence for an estimate of variance `variance` from `n` units in all, at
 * level 1 - alpha: √(nV) · √(2(nρ² + 1) / (n²ρ²) · ln(√(nρ² + 1) / α)), with ρ chosen so that the boundary is
 * tightest at `tuning` units.
 */
export function sequentialHalfWidth(variance: number, n: number, alpha = 0.05, tuning = DEFAULT_SEQUENTIAL_TUNING): number {
  if (n <= 0 || variance <= 0) return 0;
  const rho2 = (-2 * Math.log(alpha) + Math.log(-2 * Math.log(alpha) + 1)) / tuning;
  const s2 = variance * n;
  return Math.sqrt(s2) * Math.sqrt(((2 * (n * rho2 + 1)) / (n * n * rho2)) * Math.log(Math.sqrt(n * rho2 + 1) / alpha));
}
