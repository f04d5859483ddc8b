// The Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987): purchases at a Poisson rate
// while alive, a lifetime exponential at a rate of its own, both rates gamma across customers. Unlike BG/NBD, a
// customer can drop out at any moment, not only just after a purchase, so a shop of many one-off buyers does not
// drive the dropout to nothing. Likelihood, P(alive) and conditional expected purchases as lifetimes'
// ParetoNBDFitter has them; reproduces the published CDNOW fit (test/recommender/pareto-nbd.test.ts).

import { bestFit, grouped, type Fit, type FitOptions, type Rfm } from './clv';
import { hyp2f1, lgamma } from './special';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

const logAddExp = (u: number, v: number) => {
  const m = Math.max(u, v);
  return m === -Infinity ? -Infinity : m + Math.log(Math.exp(u - m) + Math.exp(v - m));
};

/** log A₀ (Fader & Hardie's note on the Pareto/NBD likelihood), through ₂F₁ at |α - β| / (max + t) < 1. */
function logA0({ r, alpha, s, beta }: ParetoNbdParams, x: number, tx: number, T: number): number {
  const [low, high, t] = alpha < beta ? [alpha, beta, r + x] : [beta, alpha, s + 1];
  const rsx = r + s + x;
  const f1 = hyp2f1(rsx, t, rsx + 1, (high - low) / (high + tx));
  const f2 = hyp2f1(rsx, t, rsx + 1, (high - low) / (high + T));
  // (F1 / q1^rsx - F2 / q2^rsx): both positive, the first the larger.
  const u = f1.log - rsx * Math.log(high + tx);
  const v = f2.log - rsx * Math.log(high + T);
  return u + Math.log1p(-Math.exp(v - u));
}

/** One customer's log-likelihood. */
function logLikelihoodOf(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const a1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const a2 = logAddExp(-(r + x) * Math.log(alpha + T) - s * Math.log(beta + T), Math.log(s) + logA0(p, x, tx, T) - Math.log(r + s + x));
  return a1 + a2;
}

export function paretoNbdLogLikelihood(params: ParetoNbdParams, customers: readonly Rfm[]): number {
  return grouped(customers).list.reduce((sum, g) => sum + g.n * logLikelihoodOf(params, g.x, g.tx, g.T), 0);
}

/** Fits Pareto/NBD by maximum likelihood in log-parameter space (central-difference gradients), from several starts. */
export function fitParetoNbd(customers: readonly Rfm[], options: FitOptions = {}): Fit<ParetoNbdParams> {
  if (!customers.some((c) => c.frequency > 0)) throw new RangeError('Pareto/NBD needs at least one customer with a repeat purchase');
  const data = grouped(customers);
  const penalizer = options.penalizer ?? 0;
  const meanT = customers.reduce((sum, c) => sum + c.T, 0) / customers.length || 1;
  const value = (theta: readonly number[]) => {
    const [r, alpha, s, beta] = theta.map(Math.exp);
    let ll = 0;
    for (const g of data.list) ll += g.n * logLikelihoodOf({ r, alpha, s, beta }, g.x, g.tx, g.T);
    return -ll / data.total + penalizer * [r, alpha, s, beta].reduce((sum, v) => sum + v * v, 0);
  };
  const objective = (theta: readonly number[]) => {
    const f = value(theta);
    const gradient = theta.map((_, i) => {
      const h = 1e-5;
      const up = [...theta];
      const down = [...theta];
      up[i] += h;
      down[i] -= h;
      return (value(up) - value(down)) / (2 * h);
    });
    return { value: f, gradient };
  };
  const starts = [
    [1, meanT / 4, 1, meanT / 4],
    [0.5, meanT, 0.5, meanT],
    [1, 1, 1, 1],
  ];
  return bestFit('Pareto/NBD', objective, starts, { maxIterations: 1000, ...options }, data.total, ([r, alpha, s, beta]) => ({ r, alpha, s, beta }));
}

/** P(alive) given the history (lifetimes' conditional_probability_alive). */
export function paretoProbabilityAlive(p: ParetoNbdParams, c: Rfm): number {
  const { r, alpha, s, beta } = p;
  const x = c.frequency;
  const log = Math.log(s) - Math.log(r + s + x) + (r + x) * Math.log(alpha + c.T) + s * Math.log(beta + c.T) + logA0(p, x, c.recency, c.T);
  return 1 / (1 + Math.exp(log));
}

/** Purchases expected in the next t from a customer with this history (Schmittlein et al., eq. 22). */
export function paretoConditionalExpectedPurchases(p: ParetoNbdParams, t: number, c: Rfm): number {
  const { r, alpha, s, beta } = p;
  const x = c.frequency;
  const T = c.T;
  const first = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta) - (r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const second = Math.log(r + x) + Math.log(beta + T) - Math.log(alpha + T);
  // (1 - ((β + T) / (β + T + t))^(s - 1)) / (s - 1), which tends to ln((β + T + t) / (β + T)) as s -> 1.
  const ratio = (beta + T) / (beta + T + t);
  const third = Math.abs(s - 1) < 1e-9 ? -Math.log(ratio) : (1 - Math.pow(ratio, s - 1)) / (s - 1);
  return Math.exp(first + second + Math.log(third) - logLikelihoodOf(p, x, c.recency, T));
}
