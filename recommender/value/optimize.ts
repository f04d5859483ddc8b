// Minimisation for the model fits: BFGS with a backtracking line search, on an objective that returns its
// value and gradient. Callers optimise log-parameters, so every step keeps the parameters positive.

export interface Objective {
  (x: readonly number[]): { value: number; gradient: number[] };
}

export interface MinimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
  gradientNorm: number;
}

export function minimize(f: Objective, start: readonly number[], options: { maxIterations?: number; tolerance?: number } = {}): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-8;
  let x = [...start];
  let { value, gradient } = f(x);
  // Inverse Hessian estimate, starting as the identity.
  let H = identity(n);
  let iterations = 0;
  const norm = (g: readonly number[]) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  for (; iterations < maxIterations; iterations++) {
    if (!Number.isFinite(value) || gradient.some((g) => !Number.isFinite(g))) break;
    if (norm(gradient) < tolerance * Math.max(1, Math.abs(value))) return { x, value, iterations, converged: true, gradientNorm: norm(gradient) };
    let direction = H.map((row) => -dot(row, gradient));
    if (dot(direction, gradient) >= 0) {
      // Not a descent direction (the estimate went bad): restart from steepest descent.
      H = identity(n);
      direction = gradient.map((g) => -g);
    }
    // Backtracking (Armijo), with the first step capped so log-parameters cannot jump by more than 5.
    const longest = Math.max(...direction.map(Math.abs));
    let step = longest > 5 ? 5 / longest : 1;
    const slope = dot(direction, gradient);
    let next: { value: number; gradient: number[] } | undefined;
    let xNext = x;
    for (let tries = 0; tries < 60; tries++) {
      xNext = x.map((xi, i) => xi + step * direction[i]);
      const candidate = f(xNext);
      if (Number.isFinite(candidate.value) && candidate.value <= value + 1e-4 * step * slope) {
        next = candidate;
        break;
      }
      step /= 2;
    }
    if (!next) break;
    const s = xNext.map((xi, i) => xi - x[i]);
    const y = next.gradient.map((g, i) => g - gradient[i]);
    const sy = dot(s, y);
    const improvement = value - next.value;
    x = xNext;
    value = next.value;
    gradient = next.gradient;
    if (sy > 1e-12) {
      // BFGS update of the inverse Hessian.
      const Hy = H.map((row) => dot(row, y));
      const yHy = dot(y, Hy);
      H = H.map((row, i) => row.map((h, j) => h + ((sy + yHy) * s[i] * s[j]) / (sy * sy) - (Hy[i] * s[j] + s[i] * Hy[j]) / sy));
    }
    if (improvement >= 0 && improvement < 1e-14 * Math.max(1, Math.abs(value)) && norm(gradient) < Math.sqrt(tolerance) * Math.max(1, Math.abs(value))) {
      return { x, value, iterations: iterations + 1, converged: true, gradientNorm: norm(gradient) };
    }
  }
  return { x, value, iterations, converged: false, gradientNorm: norm(gradient) };
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}
