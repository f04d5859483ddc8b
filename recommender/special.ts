// The special functions the CLV models need: log-gamma, digamma and the Gauss hypergeometric function.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x > 0 (Lanczos, g = 7: about 15 significant digits). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ψ(x) = d/dx log Γ(x) for x > 0: recurrence up to 6, then the asymptotic series. */
export function digamma(x: number): number {
  let result = 0;
  while (x < 6) {
    result -= 1 / x;
    x += 1;
  }
  const f = 1 / (x * x);
  return result + Math.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))));
}

/**
 * log ₂F₁(a, b; c; z) for 0 <= z < 1 and a, b, c > 0, summed as its power series (every term positive here),
 * rescaled as it goes so large parameters cannot overflow.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number): number {
  if (z === 0) return 0;
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let n = 0; n < 1_000_000; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    // Past the largest term the ratios tend to z: the rest is about term x ratio / (1 - ratio).
    if (ratio < 1 && term * (ratio / (1 - ratio)) < sum * 1e-16) break;
    if (sum > 1e280) {
      sum *= 1e-280;
      term *= 1e-280;
      logScale += 280 * Math.LN10;
    }
  }
  return Math.log(sum) + logScale;
}
