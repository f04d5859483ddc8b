// The special functions the CLV models need: log-gamma, digamma and the Gauss hypergeometric function.

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
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
 * ₂F₁(a, b; c; z) for 0 <= z < 1 (c not a non-positive integer), summed as its power series, as
 * { sign, log }: value = sign x e^log, so large parameters cannot overflow. Terms may change sign when a
 * parameter is negative (the BG/NBD fits give a + b - 1 < 0 on some data).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): { sign: number; log: number } {
  if (z === 0) return { sign: 1, log: 0 };
  let term = 1;
  let sum = 1;
  let logScale = 0;
  for (let n = 0; n < 100_000; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    // Once the ratios are below one in size they tend to z: the rest is about term x ratio / (1 - ratio).
    const r = Math.abs(ratio);
    if (r < 1 && Math.abs(term) * (r / (1 - r)) <= Math.abs(sum) * 1e-16) break;
    if (term === 0) break;
    if (Math.abs(sum) > 1e280) {
      sum *= 1e-280;
      term *= 1e-280;
      logScale += 280 * Math.LN10;
    }
  }
  return { sign: Math.sign(sum), log: Math.log(Math.abs(sum)) + logScale };
}
