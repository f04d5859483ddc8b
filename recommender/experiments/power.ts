// How many visitors an experiment needs: for a minimum detectable effect (relative to control's mean), the
// visitors per variant at which a fixed-horizon two-sided test at `alpha` detects it with probability `power`:
// n = (z₁₋α/₂ + z_power)² · 2σ² / (δμ)². σ² is the metric's per-visitor variance as adjusted (CUPED lowers it).

import { normalQuantile } from './distributions';

export function visitorsNeeded({ mean, variance, minimumEffect, alpha = 0.05, power = 0.8 }: { mean: number; variance: number; minimumEffect: number; alpha?: number; power?: number }): number | null {
  const delta = Math.abs(minimumEffect * mean);
  if (!(delta > 0) || !(variance > 0)) return null;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((z * z * 2 * variance) / (delta * delta));
}
