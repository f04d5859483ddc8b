// The backtest's measures on hand-computed cases, and the backtest itself on CDNOW's calibration and 39-week
// holdout: the models fitted in days are the published weekly fits rescaled, and the holdout is counted as the
// published studies count it.

import { describe, expect, it } from 'vitest';
import { cdnowPurchases } from './cdnow';
import {
  activityExpectedPurchases,
  activityIndividualPurchases,
  backtest,
  errors,
  fitActivityRegression,
  fitPoisson,
  random,
  rocAuc,
  spearman,
  summarize,
  topShareCapture,
  type Purchase,
} from '../../recommender';

describe('accuracy measures', () => {
  it('MAE and RMSE', () => {
    const e = errors([1, 2, 3], [1, 1, 1]);
    expect(e.mae).toBe(1);
    expect(e.rmse).toBeCloseTo(Math.sqrt(5 / 3), 12);
  });

  it("Spearman's rho with ties at their mean rank", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks (1.5, 1.5, 3) and (1, 2, 3): Pearson of the ranks = 0.866.
    expect(spearman([5, 5, 9], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 12);
  });

  it('top-decile capture and ROC AUC', () => {
    const predicted = Array.from({ length: 20 }, (_, i) => 20 - i);
    const actual = Array.from({ length: 20 }, (_, i) => (i < 2 ? 10 : 1));
    // The top two by prediction hold 20 of the 38.
    expect(topShareCapture(predicted, actual)).toBeCloseTo(20 / 38, 12);
    // Scores 1..4, positives at 2 and 4: of the four positive-negative pairs, three are ordered right.
    expect(rocAuc([1, 2, 3, 4], [false, true, false, true])).toBe(0.75);
    expect(rocAuc([1, 1], [true, false])).toBe(0.5);
  });
});

describe('summaries as of a day', () => {
  it("count the end day's purchases when the end is that day's midnight", () => {
    const purchases: Purchase[] = [
      { customerId: 'a', at: Date.UTC(2026, 0, 1, 9), amount: 10 },
      { customerId: 'a', at: Date.UTC(2026, 0, 10, 15), amount: 20 },
      { customerId: 'a', at: Date.UTC(2026, 0, 11, 1), amount: 99 },
    ];
    const [a] = summarize(purchases, { end: Date.UTC(2026, 0, 10) });
    expect(a).toMatchObject({ frequency: 1, recency: 9, T: 9, monetary: 20, revenue: 30 });
  });
});

describe('a backtest on CDNOW (calibration to 1997-09-30, 39 weeks held out)', () => {
  const purchases = cdnowPurchases();
  const result = backtest(purchases, { calibrationEnd: Date.UTC(1997, 8, 30), holdoutEnd: Date.UTC(1998, 5, 30) });
  const model = (name: string) => result.models.find((m) => m.model === name)!;

  it('values the 2,357 calibration customers and counts their 1,882 holdout purchase days', () => {
    expect(result).toMatchObject({ calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30', holdoutDays: 273, customers: 2357 });
    expect(model('naive').purchases.actual).toBe(1882);
    expect(result.active).toBeGreaterThan(0);
  });

  it('fits in days what the published weekly fits are, rescaled (alpha and beta by 7)', () => {
    const bg = model('bgnbd').params!;
    expect(bg.r).toBeCloseTo(0.243, 3);
    expect(bg.alpha / 7).toBeCloseTo(4.414, 2);
    expect(bg.a).toBeCloseTo(0.793, 3);
    expect(bg.b).toBeCloseTo(2.426, 3);
    const pareto = model('pareto-nbd').params!;
    expect(pareto.r).toBeCloseTo(0.553, 3);
    expect(pareto.alpha / 7).toBeCloseTo(10.578, 2);
    expect(pareto.s).toBeCloseTo(0.606, 3);
    expect(pareto.beta / 7).toBeCloseTo(11.669, 2);
  });

  it("lets the models beat each customer's own rate on errors and on the holdout's total, as on CDNOW they do", () => {
    const naive = model('naive');
    for (const name of ['bgnbd', 'pareto-nbd']) {
      const m = model(name);
      expect(m.purchases.rmse).toBeLessThan(naive.purchases.rmse);
      expect(Math.abs(m.purchases.predicted / m.purchases.actual - 1)).toBeLessThan(Math.abs(naive.purchases.predicted / naive.purchases.actual - 1));
      // The calibration-against-holdout table: one row per number of repeat purchases (7 for 7 or more).
      expect(m.byFrequency.map((b) => b.frequency)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(m.byFrequency.reduce((s, b) => s + b.customers, 0)).toBe(2357);
    }
    // Spend per purchase each way: Gamma-Gamma (fitted on CDNOW, the default), each customer's own mean, and
    // Gamma-Gamma over every purchase day.
    expect(Object.keys(model('bgnbd').spendBy)).toEqual(['gamma-gamma', 'own-mean', 'gamma-gamma-all']);
    expect(model('bgnbd').spend).toEqual(model('bgnbd').spendBy['gamma-gamma']);
    expect(model('bgnbd').spendBy['own-mean']!.actual).toBe(model('bgnbd').spend.actual);
    expect(model('pareto-nbd').churnAuc).toBeGreaterThan(0.5);
    expect(model('activity').churnAuc).toBeGreaterThan(0.5);
    expect(naive.churnAuc).toBeNull();
    expect(result.recencyAuc).toBeGreaterThan(0.5);
  });

  it("lets the activity model rank the customers better than each customer's own rate and than BG/NBD", () => {
    const activity = model('activity').purchases.spearman;
    expect(activity).toBeGreaterThan(model('naive').purchases.spearman);
    expect(activity).toBeGreaterThan(model('bgnbd').purchases.spearman);
  });
});

describe('the activity regression', () => {
  it('recovers the weights of a simulated Poisson regression', () => {
    const rand = random(5);
    const truth = [0.5, 0.8, -0.3];
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const x = [1, rand() * 2, rand() * 3];
      const mu = Math.exp(x.reduce((s, v, j) => s + v * truth[j], 0));
      // Knuth's sampler: count uniforms until their product falls below e^-mu.
      let k = 0;
      for (let p = rand(); p > Math.exp(-mu); p *= rand()) k++;
      X.push(x);
      y.push(k);
    }
    const w = fitPoisson(X, y, 0);
    w.forEach((v, j) => expect(Math.abs(v - truth[j])).toBeLessThan(0.06));
  });

  it('trains on windows before the calibration end, on the later half of a history shorter than two of them', () => {
    const fit = fitActivityRegression(cdnowPurchases(), { end: Date.UTC(1997, 8, 30), horizon: 273 });
    // CDNOW's cohort bought first in 1997's first quarter: a history shorter than two windows trains on its later half.
    expect(fit.horizon).toBeLessThan(273);
    expect(fit.trainedOn.customers).toBeGreaterThan(2000);
  });

  it("values CDNOW's one-time buyers alike, at the rate its window's one-time buyers bought again, and tells them apart for churn risk", () => {
    const purchases = cdnowPurchases();
    const end = Date.UTC(1997, 8, 30);
    const fit = fitActivityRegression(purchases, { end, horizon: 273 });
    // Ranked on its training window, pooled one-time buyers correlate better with what the customers did.
    expect(fit.oneTimers.pooled).toBeGreaterThan(fit.oneTimers.spread);
    // The rate, counted by hand: the window's one-time buyers (as of its start) and their purchase days in it.
    const start = end - fit.horizon * 86_400_000;
    const once = new Set(
      summarize(purchases, { end: start })
        .filter((c) => c.frequency === 0)
        .map((c) => c.id),
    );
    const days = new Set(purchases.filter((p) => once.has(p.customerId) && p.at > start + 86_400_000 - 1 && p.at <= end).map((p) => `${p.customerId} ${p.at}`));
    expect(fit.oneTimeRate).toBeCloseTo(days.size / once.size, 12);
    const [young, old] = [
      { id: 'young', frequency: 0, recency: 0, T: 200, monetary: 0, revenue: 15 },
      { id: 'old', frequency: 0, recency: 0, T: 270, monetary: 0, revenue: 40 },
    ];
    expect(activityExpectedPurchases(fit, young, 90)).toBe(activityExpectedPurchases(fit, old, 90));
    expect(activityExpectedPurchases(fit, young, 90)).toBeCloseTo((fit.oneTimeRate! * 90) / fit.horizon, 12);
    expect(activityIndividualPurchases(fit, young, 90)).not.toBeCloseTo(activityIndividualPurchases(fit, old, 90), 3);
  });

  it('tells one-time buyers apart where their first spend says who comes back', () => {
    // Half the shop buys 1,000 a time every 60 days on average, half 10 a time every 2,000: a one-time buyer's
    // first order says which they are, and so whether they will be back within the window.
    const rand = random(11);
    const purchases: Purchase[] = [];
    for (let i = 0; i < 4000; i++) {
      const big = i % 2 === 0;
      let day = Math.floor(rand() * 200);
      while (day <= 300) {
        purchases.push({ customerId: `c${i}`, at: Date.UTC(2026, 0, 1) + day * 86_400_000, amount: big ? 1000 : 10 });
        day += Math.max(1, Math.round(-Math.log(1 - rand()) * (big ? 60 : 2000)));
      }
    }
    const fit = fitActivityRegression(purchases, { end: Date.UTC(2026, 0, 1) + 300 * 86_400_000, horizon: 50 });
    expect(fit.oneTimers.spread).toBeGreaterThan(fit.oneTimers.pooled);
    expect(fit.oneTimeRate).toBeNull();
    const once = (revenue: number) => ({ id: String(revenue), frequency: 0, recency: 0, T: 20, monetary: 0, revenue });
    expect(activityExpectedPurchases(fit, once(1000), 50)).toBeGreaterThan(2 * activityExpectedPurchases(fit, once(10), 50));
  });
});
