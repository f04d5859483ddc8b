// Predictive customer lifetime value: the BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005) and the
// Gamma-Gamma model of spend (Fader & Hardie 2013), fitted by maximum likelihood from the transaction log, with
// the predictions the `lifetimes` library makes from them (P(alive), expected purchases, the probability of n
// purchases, discounted CLV). Reproduces the published CDNOW figures (test/recommender/clv.test.ts).

import { minimize } from './optimize';
import { digamma, hyp2f1, lgamma } from './special';

const DAY_MS = 86_400_000;

export interface Purchase {
  customerId: string;
  at: number;
  amount: number;
}

/** One customer as the models see them, in time units (days unless told otherwise). */
export interface CustomerHistory {
  id: string;
  /** Repeat purchases: purchase days after the first (several purchases on one day count once). */
  frequency: number;
  /** Time from the first purchase to the last. */
  recency: number;
  /** Time from the first purchase to the end of the observation. */
  T: number;
  /** Mean value of the repeat purchase days (0 without a repeat purchase). */
  monetary: number;
  /** Every purchase day's value, the first included. */
  revenue: number;
}

/**
 * Each customer's frequency, recency, age and mean repeat spend from their purchases up to `end`'s day (included),
 * as lifetimes' summary_data_from_transaction_data: purchases are grouped by (UTC) day, a day's amounts summed.
 */
export function summarize(purchases: Iterable<Purchase>, options: { end: number; unitDays?: number }): CustomerHistory[] {
  const unit = (options.unitDays ?? 1) * DAY_MS;
  const byCustomer = new Map<string, Map<number, number>>();
  const endDay = Math.floor(options.end / DAY_MS);
  for (const p of purchases) {
    const day = Math.floor(p.at / DAY_MS);
    // The end's whole day counts: an end given as a day's midnight must not drop that day's purchases.
    if (day > endDay) continue;
    let days = byCustomer.get(p.customerId);
    if (!days) byCustomer.set(p.customerId, (days = new Map<number, number>()));
    days.set(day, (days.get(day) ?? 0) + p.amount);
  }
  const out: CustomerHistory[] = [];
  for (const [id, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    const repeat = sorted.slice(1).reduce((s, d) => s + days.get(d)!, 0);
    out.push({
      id,
      frequency: sorted.length - 1,
      recency: ((last - first) * DAY_MS) / unit,
      T: ((endDay - first) * DAY_MS) / unit,
      monetary: sorted.length > 1 ? repeat / (sorted.length - 1) : 0,
      revenue: repeat + days.get(first)!,
    });
  }
  return out;
}

export class ConvergenceError extends Error {
  override name = 'ConvergenceError';
  constructor(
    readonly model: string,
    readonly details: { iterations: number; gradientNorm: number; logLikelihood: number; params: number[] },
  ) {
    super(`${model} did not converge (${details.iterations} iterations, gradient norm ${details.gradientNorm.toExponential(2)}, parameters ${details.params.map((v) => v.toPrecision(3)).join(', ')})`);
  }
}

export interface FitOptions {
  /** lifetimes' penalizer_coef: adds coef x the sum of squared parameters to the mean negative log-likelihood. */
  penalizer?: number;
  maxIterations?: number;
}

// ---------------------------------------------------------------------------------------------------------
// BG/NBD

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface Fit<P> {
  params: P;
  logLikelihood: number;
  iterations: number;
}

export type Rfm = Pick<CustomerHistory, 'frequency' | 'recency' | 'T'>;

/** What BG/NBD's predictions read of a customer, as a key: many customers share it in whole days. */
export const rfmKey = (c: Rfm) => `${c.frequency} ${c.recency} ${c.T}`;

/** Customers with the same (frequency, recency, T) share one term of the likelihood. */
export function grouped(customers: readonly Rfm[]) {
  const groups = new Map<string, { x: number; tx: number; T: number; n: number }>();
  for (const c of customers) {
    const key = `${c.frequency}|${c.recency}|${c.T}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { x: c.frequency, tx: c.recency, T: c.T, n: 1 });
  }
  const list = [...groups.values()];
  // The gamma-function terms depend on the frequency alone: few distinct values.
  const byX = new Map<number, number>();
  for (const g of list) byX.set(g.x, (byX.get(g.x) ?? 0) + g.n);
  return { list, byX: [...byX.entries()], total: customers.length };
}

/** The BG/NBD log-likelihood of the customers and its gradient with respect to (r, alpha, a, b). */
function bgnbdLikelihood(p: BgNbdParams, data: ReturnType<typeof grouped>): { value: number; gradient: number[] } {
  const { r, alpha, a, b } = p;
  let ll = 0;
  const g = [0, 0, 0, 0];
  const logAlpha = Math.log(alpha);
  const psiR = digamma(r);
  const psiAB = digamma(a + b);
  const lgR = lgamma(r);
  const lgAB = lgamma(a + b);
  const lgB = lgamma(b);
  const psiB = digamma(b);
  for (const [x, n] of data.byX) {
    // A1 = lnΓ(r+x) - lnΓ(r) + r ln α;  A2 = lnΓ(a+b) + lnΓ(b+x) - lnΓ(b) - lnΓ(a+b+x)
    ll += n * (lgamma(r + x) - lgR + r * logAlpha + lgAB + lgamma(b + x) - lgB - lgamma(a + b + x));
    const psiABX = digamma(a + b + x);
    g[0] += n * (digamma(r + x) - psiR + logAlpha);
    g[1] += (n * r) / alpha;
    g[2] += n * (psiAB - psiABX);
    g[3] += n * (psiAB + digamma(b + x) - psiB - psiABX);
  }
  for (const { x, tx, T, n } of data.list) {
    // A3 = -(r+x) ln(α+T);  A4 = ln a - ln(b+x-1) - (r+x) ln(α+t_x), for x > 0
    const logAT = Math.log(alpha + T);
    const u = -(r + x) * logAT;
    if (x === 0) {
      ll += n * u;
      g[0] -= n * logAT;
      g[1] -= (n * (r + x)) / (alpha + T);
      continue;
    }
    const logATx = Math.log(alpha + tx);
    const v = Math.log(a) - Math.log(b + x - 1) - (r + x) * logATx;
    const m = Math.max(u, v);
    const w = m + Math.log(Math.exp(u - m) + Math.exp(v - m));
    const pu = Math.exp(u - w);
    const pv = Math.exp(v - w);
    ll += n * w;
    g[0] += n * (-pu * logAT - pv * logATx);
    g[1] += n * ((-pu * (r + x)) / (alpha + T) - (pv * (r + x)) / (alpha + tx));
    g[2] += (n * pv) / a;
    g[3] -= (n * pv) / (b + x - 1);
  }
  return { value: ll, gradient: g };
}

export function bgnbdLogLikelihood(params: BgNbdParams, customers: readonly Rfm[]): number {
  return bgnbdLikelihood(params, grouped(customers)).value;
}

/** Fits BG/NBD by maximum likelihood, in log-parameter space, from several start values; the best wins. */
export function fitBgNbd(customers: readonly Rfm[], options: FitOptions = {}): Fit<BgNbdParams> {
  // Without a repeat purchase the likelihood only grows as the purchase rate goes to zero: nothing to fit.
  if (!customers.some((c) => c.frequency > 0)) throw new RangeError('BG/NBD needs at least one customer with a repeat purchase');
  const data = grouped(customers);
  const penalizer = options.penalizer ?? 0;
  const meanT = customers.reduce((s, c) => s + c.T, 0) / customers.length || 1;
  const objective = (theta: readonly number[]) => {
    const [r, alpha, a, b] = theta.map(Math.exp);
    const { value, gradient } = bgnbdLikelihood({ r, alpha, a, b }, data);
    const params = [r, alpha, a, b];
    // Minimise the mean negative log-likelihood (plus the penalty); d/dlogθ = θ d/dθ.
    return {
      value: -value / data.total + penalizer * params.reduce((s, v) => s + v * v, 0),
      gradient: params.map((v, i) => (-gradient[i] / data.total + 2 * penalizer * v) * v),
    };
  };
  const starts = [
    [1, meanT / 4, 1, 1],
    [0.5, meanT / 20, 0.5, 2],
    [1, 1, 1, 1],
  ];
  return bestFit('BG/NBD', objective, starts, options, data.total, ([r, alpha, a, b]) => ({ r, alpha, a, b }));
}

export function bestFit<P>(model: string, objective: Parameters<typeof minimize>[0], starts: number[][], options: FitOptions, total: number, params: (v: number[]) => P): Fit<P> {
  let best: ReturnType<typeof minimize> | undefined;
  let worst: ReturnType<typeof minimize> | undefined;
  for (const start of starts) {
    const result = minimize(objective, start.map(Math.log), { maxIterations: options.maxIterations ?? 500 });
    // A parameter may run far off when the data sit on the model's boundary (everyone equally likely to drop
    // out, say: a and b grow together): the optimum is then a limit, and its predictions are still sound.
    const finite = result.x.every((v) => Number.isFinite(Math.exp(v)) && Math.exp(v) > 0);
    if (!result.converged || !Number.isFinite(result.value) || !finite) {
      worst = result;
      continue;
    }
    // Two starts that reach the same optimum settle it: a third would cost a whole fit to find it again.
    if (best && Math.abs(result.value - best.value) <= 1e-10 * Math.max(1, Math.abs(best.value))) break;
    if (!best || result.value < best.value) best = result;
  }
  if (!best) {
    const { iterations, gradientNorm, value, x } = worst!;
    throw new ConvergenceError(model, { iterations, gradientNorm, logLikelihood: -value * total, params: x.map(Math.exp) });
  }
  return { params: params(best.x.map(Math.exp)), logLikelihood: -best.value * total, iterations: best.iterations };
}

/** E[X(t)]: purchases a new customer is expected to make in a period of length t. */
export function expectedPurchases(p: BgNbdParams, t: number): number {
  const { r, alpha, a, b } = p;
  const hyp = hyp2f1(r, b, a + b - 1, t / (alpha + t));
  return ((a + b - 1) / (a - 1)) * (1 - hyp.sign * Math.exp(hyp.log + r * Math.log(alpha / (alpha + t))));
}

/** Purchases expected in the next t from a customer with this history (Fader, Hardie & Lee 2005, eq. 10). */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, c: Rfm): number {
  const { r, alpha, a, b } = p;
  const x = c.frequency;
  const z = t / (alpha + c.T + t);
  const hyp = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - hyp.sign * Math.exp(hyp.log + (r + x) * Math.log((alpha + c.T) / (alpha + t + c.T))));
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + c.T) / (alpha + c.recency), r + x) : 0);
  return numerator / denominator;
}

/** P(alive): the probability the customer has not churned. 1 without a repeat purchase, as the model has it. */
export function probabilityAlive(p: BgNbdParams, c: Rfm): number {
  if (c.frequency === 0) return 1;
  const { r, alpha, a, b } = p;
  const logRatio = (r + c.frequency) * Math.log((alpha + c.T) / (alpha + c.recency)) + Math.log(a / (b + c.frequency - 1));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * P(no purchase in the next t) given the history: dead already, or alive and buying at the posterior gamma-Poisson
 * rate none the less (BG/NBD drops customers only at a purchase, so none drops within a period without one).
 * Unlike P(alive), this separates customers who have bought only once (P(alive) holds them alive) by their age.
 */
export function probabilityNoPurchase(p: BgNbdParams, t: number, c: Rfm): number {
  const alive = probabilityAlive(p, c);
  return 1 - alive + alive * Math.pow((p.alpha + c.T) / (p.alpha + c.T + t), p.r + c.frequency);
}

/** P(X(t) = n): the probability that a new customer makes exactly n purchases in a period of length t. */
export function probabilityOfPurchases(p: BgNbdParams, n: number, t: number): number {
  const { r, alpha, a, b } = p;
  const logBetaAB = lbeta(a, b);
  const first = Math.exp(lbeta(a, b + n) - logBetaAB + lgamma(r + n) - lgamma(r) - lgamma(n + 1) + r * Math.log(alpha / (alpha + t)) + n * Math.log(t / (alpha + t)));
  if (n === 0) return first;
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + j * Math.log(t / (alpha + t)));
  return first + Math.exp(lbeta(a + 1, b + n - 1) - logBetaAB) * (1 - Math.pow(alpha / (alpha + t), r) * sum);
}

function lbeta(x: number, y: number): number {
  return lgamma(x) + lgamma(y) - lgamma(x + y);
}

// ---------------------------------------------------------------------------------------------------------
// Gamma-Gamma

export interface GammaGammaParams {
  p: number;
  q: number;
  /** lifetimes' v, the literature's gamma. */
  gamma: number;
}

/** What Gamma-Gamma reads of a customer: the purchase days it counts, and their mean value. */
export type Spend = Pick<CustomerHistory, 'frequency' | 'monetary'>;
/** Customers of the same repeat purchases and mean spend, `count` of them: each term of the likelihood once. */
type SpendGroup = Spend & { count: number };

function ggLikelihood(params: GammaGammaParams, groups: readonly SpendGroup[]): { value: number; gradient: number[] } {
  const { p, q, gamma: v } = params;
  let ll = 0;
  const g = [0, 0, 0];
  const lgQ = lgamma(q);
  const psiQ = digamma(q);
  const logV = Math.log(v);
  for (const { frequency: x, monetary: m, count: n } of groups) {
    const px = p * x;
    const logM = Math.log(m);
    const logX = Math.log(x);
    const logXMV = Math.log(x * m + v);
    ll += n * (lgamma(px + q) - lgamma(px) - lgQ + q * logV + (px - 1) * logM + px * logX - (px + q) * logXMV);
    const psiPXQ = digamma(px + q);
    g[0] += n * x * (psiPXQ - digamma(px) + logM + logX - logXMV);
    g[1] += n * (psiPXQ - psiQ + logV - logXMV);
    g[2] += n * (q / v - (px + q) / (x * m + v));
  }
  return { value: ll, gradient: g };
}

/**
 * The customers grouped by (repeat purchases, mean spend): a shop whose prices are few has far fewer groups than
 * customers (a hundred thousand of one price are one), and each evaluation of the likelihood costs a term a group.
 */
function spendGroups(customers: readonly Spend[]): SpendGroup[] {
  // By frequency, then by spend: numbers as keys (a string per customer made the grouping cost more than it saved).
  const byFrequency = new Map<number, Map<number, SpendGroup>>();
  const groups: SpendGroup[] = [];
  for (const { frequency, monetary } of customers) {
    let bySpend = byFrequency.get(frequency);
    if (!bySpend) byFrequency.set(frequency, (bySpend = new Map<number, SpendGroup>()));
    const group = bySpend.get(monetary);
    if (group) group.count++;
    else {
      const made = { frequency, monetary, count: 1 };
      bySpend.set(monetary, made);
      groups.push(made);
    }
  }
  return groups;
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: readonly Spend[]): number {
  return ggLikelihood(params, spendGroups(repeatCustomers(customers))).value;
}

function repeatCustomers(customers: readonly Spend[]): Spend[] {
  return customers.filter((c) => c.frequency > 0 && c.monetary > 0);
}

/** Fits Gamma-Gamma on the customers with a repeat purchase (the model is about repeat spend). */
export function fitGammaGamma(customers: readonly Spend[], options: FitOptions & { starts?: GammaGammaParams[] } = {}): Fit<GammaGammaParams> {
  const repeat = repeatCustomers(customers);
  if (repeat.length === 0) {
    const again = customers.filter((c) => c.frequency > 0).length;
    throw new RangeError(
      again ? `Gamma-Gamma needs repeat purchases with a spend: ${again} customers bought again, all for nothing` : 'Gamma-Gamma needs at least one customer with a repeat purchase',
    );
  }
  const penalizer = options.penalizer ?? 0;
  const meanSpend = repeat.reduce((s, c) => s + c.monetary, 0) / repeat.length;
  const groups = spendGroups(repeat);
  const objective = (theta: readonly number[]) => {
    const [p, q, gamma] = theta.map(Math.exp);
    const { value, gradient } = ggLikelihood({ p, q, gamma }, groups);
    const params = [p, q, gamma];
    return {
      value: -value / repeat.length + penalizer * params.reduce((s, v) => s + v * v, 0),
      gradient: params.map((v, i) => (-gradient[i] / repeat.length + 2 * penalizer * v) * v),
    };
  };
  // E[spend] = p·gamma / (q - 1): start from the observed mean.
  const starts = options.starts?.map(({ p, q, gamma }) => [p, q, gamma]) ?? [
    [1, 2, meanSpend],
    [5, 4, meanSpend * 3],
    [1, 1, 1],
  ];
  return bestFit('Gamma-Gamma', objective, starts, options, repeat.length, ([p, q, gamma]) => ({ p, q, gamma }));
}

/**
 * A customer's purchase days as Gamma-Gamma reads repeat ones, the first included: for shops whose first order
 * says what a customer spends (a wholesaler's), where the published model, on repeat days alone, gives every
 * one-time buyer the population's mean.
 */
export function everyPurchaseDay(c: Pick<CustomerHistory, 'frequency' | 'revenue'>): Spend {
  return { frequency: c.frequency + 1, monetary: c.revenue / (c.frequency + 1) };
}

/**
 * Gamma-Gamma over every purchase day, started from the fit on repeat days (the two differ by the first orders
 * alone) and given fewer iterations than a fit of its own: where every first order is alike (a sample order, a
 * fixed fee), its optimum is a limit (p and 1/gamma without bound) that the line searches creep towards, and from
 * the published starts that cost seconds on 20,000 customers.
 */
export function fitGammaGammaAllDays(customers: readonly Pick<CustomerHistory, 'frequency' | 'revenue'>[], repeatFit: GammaGammaParams): Fit<GammaGammaParams> {
  return fitGammaGamma(customers.map(everyPurchaseDay), { starts: [repeatFit], maxIterations: 100 });
}

/** E[mean spend | history]: the customer's own mean pulled towards the population's (needs q > 1). */
export function expectedAverageSpend(params: GammaGammaParams, c: Spend): number {
  const { p, q, gamma } = params;
  const populationMean = (p * gamma) / (q - 1);
  if (c.frequency === 0 || c.monetary <= 0) return populationMean;
  const weight = (p * c.frequency) / (p * c.frequency + q - 1);
  return (1 - weight) * populationMean + weight * c.monetary;
}

export interface ClvOptions {
  /** Horizon in months (30 days each). */
  months?: number;
  /** Discount rate per month. */
  monthlyDiscountRate?: number;
  /** Days per time unit of the histories (1: days, 7: weeks). */
  unitDays?: number;
}

/**
 * Discounted CLV over a horizon, as lifetimes' customer_lifetime_value: for each month, the purchases expected
 * in it times the expected spend per purchase (Gamma-Gamma's expectedAverageSpend), discounted by
 * (1 + rate)^month.
 */
export function customerLifetimeValue(bg: BgNbdParams, expectedSpend: number, c: Rfm, options: ClvOptions = {}): number {
  return discountedValue((t) => conditionalExpectedPurchases(bg, t, c), expectedSpend, options);
}

/**
 * The discounted value of the purchases a model expects, month by month: `upTo(t)` purchases expected in the next
 * t units, each worth `expectedSpend`, the purchases of month i discounted by (1 + rate)^i.
 */
export function discountedValue(upTo: (t: number) => number, expectedSpend: number, options: ClvOptions = {}): number {
  const months = options.months ?? 12;
  const rate = options.monthlyDiscountRate ?? 0.01;
  const month = 30 / (options.unitDays ?? 1);
  let clv = 0;
  let before = 0;
  for (let i = 1; i <= months; i++) {
    const until = upTo(i * month);
    clv += (expectedSpend * (until - before)) / Math.pow(1 + rate, i);
    before = until;
  }
  return clv;
}
