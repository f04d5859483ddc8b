// Pareto/NBD against the published fit on the CDNOW summary (lifetimes' ParetoNBDFitter on
// cdnow_customers_summary: r 0.553, alpha 10.578, s 0.606, beta 11.669, log-likelihood -9595.0), and the
// recovery of known parameters from simulated customers.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitParetoNbd, paretoConditionalExpectedPurchases, paretoNbdLogLikelihood, paretoProbabilityAlive, gammaDraws, random } from '../../recommender';

const CDNOW = path.resolve(import.meta.dirname, '../fixtures/cdnow');

const summary = fs
  .readFileSync(path.join(CDNOW, 'cdnow_customers_summary_with_transactions.csv'), 'utf8')
  .trim()
  .split(/\r?\n/)
  .slice(1)
  .map((line) => {
    const [, frequency, recency, T] = line.split(',').map(Number);
    return { frequency, recency, T };
  });

describe('Pareto/NBD', () => {
  const fit = fitParetoNbd(summary);

  it('fits the CDNOW summary to the published parameters and log-likelihood', () => {
    expect(fit.params.r).toBeCloseTo(0.553, 3);
    expect(fit.params.alpha).toBeCloseTo(10.578, 2);
    expect(fit.params.s).toBeCloseTo(0.606, 3);
    expect(fit.params.beta).toBeCloseTo(11.669, 2);
    expect(fit.logLikelihood).toBeCloseTo(-9595.0, 1);
    expect(paretoNbdLogLikelihood({ r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, summary)).toBeCloseTo(-9595.0, 0);
  });

  it('gives P(alive) and expected purchases that follow the history', () => {
    const p = fit.params;
    // Recent and frequent is more likely alive, and expected to buy more, than the same frequency long ago.
    const recent = { frequency: 5, recency: 37, T: 38.86 };
    const lapsed = { frequency: 5, recency: 5, T: 38.86 };
    expect(paretoProbabilityAlive(p, recent)).toBeGreaterThan(0.9);
    expect(paretoProbabilityAlive(p, lapsed)).toBeLessThan(0.2);
    expect(paretoConditionalExpectedPurchases(p, 39, recent)).toBeGreaterThan(paretoConditionalExpectedPurchases(p, 39, lapsed) * 5);
    // A customer who never bought again after their first purchase, just now: alive with certainty.
    expect(paretoProbabilityAlive(p, { frequency: 0, recency: 0, T: 0 })).toBeCloseTo(1, 9);
    // Expected purchases over 39 weeks across the base: the model's own mean, close to what was observed in
    // calibration per week of age (a sanity bound, not a published figure).
    const total = summary.reduce((sum, c) => sum + paretoConditionalExpectedPurchases(p, 39, c), 0);
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThan(2500);
  });

  it('recovers the parameters of simulated customers', () => {
    const rand = random(11);
    const gamma = gammaDraws(rand);
    const truth = { r: 0.8, alpha: 6, s: 0.7, beta: 9 };
    const customers = Array.from({ length: 4000 }, () => {
      const lambda = gamma(truth.r, truth.alpha);
      const mu = gamma(truth.s, truth.beta);
      const T = 20 + rand() * 30;
      const life = -Math.log(rand() || 1e-12) / mu;
      let t = 0;
      let x = 0;
      let tx = 0;
      for (;;) {
        t += -Math.log(rand() || 1e-12) / lambda;
        if (t > Math.min(T, life)) break;
        x++;
        tx = t;
      }
      return { frequency: x, recency: tx, T };
    });
    const p = fitParetoNbd(customers).params;
    expect(p.r / p.alpha).toBeCloseTo(truth.r / truth.alpha, 1);
    expect(Math.abs(Math.log(p.r / truth.r))).toBeLessThan(0.2);
    expect(Math.abs(Math.log(p.s / truth.s))).toBeLessThan(0.35);
    expect(Math.abs(Math.log(p.s / p.beta / (truth.s / truth.beta)))).toBeLessThan(0.35);
  });
});
