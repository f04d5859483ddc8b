// The CLV models against the published CDNOW results (../shared/datasets/cdnow/README.md), fitted from the raw
// transaction log, not from the precomputed summaries (which are only used to check our summary of the log).

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CDNOW, cdnowPurchases } from './cdnow';
import {
  ConvergenceError,
  conditionalExpectedPurchases,
  customerLifetimeValue,
  everyPurchaseDay,
  expectedAverageSpend,
  expectedPurchases,
  fitBgNbd,
  fitGammaGamma,
  fitGammaGammaAllDays,
  gammaDraws,
  gammaGammaLogLikelihood,
  probabilityAlive,
  probabilityOfPurchases,
  random,
  summarize,
  type CustomerHistory,
} from '../../recommender';

const CALIBRATION_END = Date.UTC(1997, 8, 30);

const csv = (file: string) =>
  fs
    .readFileSync(path.join(CDNOW, file), 'utf8')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(',').map(Number));

const history = (frequency: number, recency: number, T: number) => ({ frequency, recency, T });

describe('CDNOW, from the raw transaction log', () => {
  const customers = summarize(cdnowPurchases(), { end: CALIBRATION_END, unitDays: 7 }).sort((a, b) => Number(a.id) - Number(b.id));
  const bg = fitBgNbd(customers);
  const published = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

  it('summarises each customer exactly as the published summary (weeks, calibration to 1997-09-30)', () => {
    const summary = csv('cdnow_customers_summary_with_transactions.csv');
    expect(customers).toHaveLength(2357);
    expect(customers.filter((c) => c.frequency > 0)).toHaveLength(946);
    for (const [id, x, tx, T, zbar] of summary) {
      const c = customers[id - 1];
      expect(c.id).toBe(String(id));
      expect(c.frequency).toBe(x);
      // The summary is rounded to two decimals.
      expect(Math.abs(c.recency - tx)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(c.T - T)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(c.monetary - zbar)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });

  it('fits BG/NBD to the published parameters and log-likelihood', () => {
    expect(bg.params.r).toBeCloseTo(published.r, 3);
    expect(bg.params.alpha).toBeCloseTo(published.alpha, 3);
    expect(bg.params.a).toBeCloseTo(published.a, 3);
    expect(bg.params.b).toBeCloseTo(published.b, 3);
    expect(bg.logLikelihood).toBeCloseTo(-9582.4, 1);
  });

  it("reproduces Hardie's expectations and probabilities", () => {
    // A customer with x = 2, t_x = 30.43, T = 38.86: repeat purchases in the next 39 weeks.
    expect(conditionalExpectedPurchases(bg.params, 39, history(2, 30.43, 38.86))).toBeCloseTo(1.226, 3);
    const expected = [
      [0.1429, 0.0078],
      [1, 0.0532],
      [3, 0.1506],
      [31.8571, 1.0405],
      [32, 1.0437],
    ];
    for (const [t, e] of expected) expect(expectedPurchases(bg.params, t)).toBeCloseTo(e, 4);
    // Published 1.8576; scipy's hyp2f1 with these parameters gives 1.85795, as we do: equal to three decimals.
    expect(expectedPurchases(bg.params, 78)).toBeCloseTo(1.8576, 3);
    expect(probabilityOfPurchases(published, 10, 2) / 1.07869e-7).toBeCloseTo(1, 4);
    expect(probabilityOfPurchases(published, 0, 39)).toBeCloseTo(0.5737864, 6);
    // The probabilities of every count add up to one.
    let total = 0;
    for (let n = 0; n < 200; n++) total += probabilityOfPurchases(published, n, 39);
    expect(total).toBeCloseTo(1, 8);
  });

  it('gives P(alive): 1 before any repeat purchase, falling as a regular buyer stays away', () => {
    expect(probabilityAlive(bg.params, history(0, 0, 38.86))).toBe(1);
    const recent = probabilityAlive(bg.params, history(5, 38, 38.86));
    const lapsed = probabilityAlive(bg.params, history(5, 10, 38.86));
    expect(recent).toBeGreaterThan(0.85);
    expect(lapsed).toBeLessThan(0.3);
    expect(lapsed).toBeGreaterThan(0);
  });

  it('fits Gamma-Gamma on the 946 repeat customers to the published values', () => {
    const gg = fitGammaGamma(customers);
    expect(gg.params.p).toBeCloseTo(6.25, 2);
    expect(gg.params.q).toBeCloseTo(3.74, 2);
    expect(gg.params.gamma).toBeCloseTo(15.44, 2);
    expect(gg.logLikelihood).toBeCloseTo(-4055.9177, 2);
    expect(gammaGammaLogLikelihood(gg.params, customers)).toBeCloseTo(gg.logLikelihood, 6);
    const firstTen = customers.slice(0, 10).map((c) => expectedAverageSpend(gg.params, c));
    const publishedSpend = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    firstTen.forEach((spend, i) => expect(spend).toBeCloseTo(publishedSpend[i], 2));
    const repeat = customers.filter((c) => c.frequency > 0).map((c) => c.monetary);
    expect(repeat.reduce((s, m) => s + m, 0) / repeat.length).toBeCloseTo(35, 0);
  });

  it('fits Gamma-Gamma over every purchase day, the first included, where a one-time buyer keeps a shrunk first order', () => {
    const all = fitGammaGamma(customers.map(everyPurchaseDay));
    const [once] = customers.filter((c) => c.frequency === 0);
    expect(everyPurchaseDay(once)).toEqual({ frequency: 1, monetary: once.revenue });
    // By hand: the first order weighs p / (p + q - 1) against the population's mean p gamma / (q - 1).
    const { p, q, gamma } = all.params;
    const weight = p / (p + q - 1);
    expect(expectedAverageSpend(all.params, everyPurchaseDay(once))).toBeCloseTo(weight * once.revenue + ((1 - weight) * p * gamma) / (q - 1), 9);
    // Started from the fit on repeat days, with fewer iterations, it reaches the same optimum as from the usual starts.
    const started = fitGammaGammaAllDays(customers, fitGammaGamma(customers).params);
    expect(started.logLikelihood).toBeCloseTo(all.logLikelihood, 6);
    expect(started.params.p).toBeCloseTo(p, 3);
    // The published model, on repeat days alone, gives every one-time buyer the population's mean.
    const published = fitGammaGamma(customers).params;
    expect(expectedAverageSpend(published, once)).toBeCloseTo((published.p * published.gamma) / (published.q - 1), 9);
  });

  it('recovers the parameters of spend drawn from Gamma-Gamma, counted over every purchase day', () => {
    const rand = random(21);
    const draw = gammaDraws(rand);
    const truth = { p: 4, q: 3, gamma: 20 };
    const spends = Array.from({ length: 20_000 }, () => {
      // Each customer's mean spend is p / nu, nu ~ Gamma(q, gamma); each day's spend ~ Gamma(p, nu).
      const nu = draw(truth.q, truth.gamma);
      const days = 1 + Math.floor(rand() * 5);
      let total = 0;
      for (let d = 0; d < days; d++) total += draw(truth.p, nu);
      return everyPurchaseDay({ frequency: days - 1, revenue: total });
    });
    const fit = fitGammaGamma(spends).params;
    expect(fit.p).toBeCloseTo(truth.p, 0);
    expect(fit.q).toBeCloseTo(truth.q, 0);
    expect(Math.abs(fit.gamma / truth.gamma - 1)).toBeLessThan(0.15);
  });

  it('values customers as lifetimes does: discounted monthly expected purchases times expected spend', () => {
    const gg = fitGammaGamma(customers);
    const c = customers[0];
    const spend = expectedAverageSpend(gg.params, c);
    // By hand, one month of 30 days (30/7 weeks) at 1% a month.
    const month = 30 / 7;
    const oneMonth = (expectedAverageSpend(gg.params, c) * conditionalExpectedPurchases(bg.params, month, c)) / 1.01;
    expect(customerLifetimeValue(bg.params, spend, c, { months: 1, unitDays: 7 })).toBeCloseTo(oneMonth, 10);
    const year = customerLifetimeValue(bg.params, spend, c, { months: 12, unitDays: 7 });
    const undiscounted = customerLifetimeValue(bg.params, spend, c, { months: 12, unitDays: 7, monthlyDiscountRate: 0 });
    expect(year).toBeGreaterThan(oneMonth);
    expect(undiscounted).toBeCloseTo(expectedAverageSpend(gg.params, c) * conditionalExpectedPurchases(bg.params, 12 * month, c), 8);
    expect(year).toBeLessThan(undiscounted);
  });
});

describe('fitting', () => {
  it('says so, with a distinct error, when a fit cannot converge', () => {
    // Nobody ever came back: the likelihood keeps rising as the purchase rate goes to zero.
    const never: CustomerHistory[] = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, frequency: 0, recency: 0, T: 30 + i, monetary: 0, revenue: 10 }));
    expect(() => fitBgNbd(never)).toThrow(RangeError);
    // Too few iterations to get anywhere.
    const customers = [...never, { id: 'back', frequency: 3, recency: 20, T: 60, monetary: 10, revenue: 40 }];
    expect(() => fitBgNbd(customers, { maxIterations: 2 })).toThrow(ConvergenceError);
    expect(() => fitBgNbd(customers, { maxIterations: 2 })).toThrow(/did not converge \(2 iterations/);
    expect(() => fitBgNbd([])).toThrow(RangeError);
    expect(() => fitGammaGamma(never)).toThrow(RangeError);
  });
});
