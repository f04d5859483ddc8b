// The models a shop is valued with, chosen by a backtest on its own latest weeks; each buyer's purchase days as the
// ledger keeps them; and the lifecycle stages and their changes that a refit values with them.

import { describe, expect, it } from 'vitest';
import { cdnowPurchases } from './cdnow';
import { CustomerLedger, MAX_DAYS_KEPT, PurchaseDays, buyersOf, chooseModels, holdoutDaysOf, valueCustomers, type ChoiceScore, type Purchase } from '../../recommender';

const DAY = 86_400_000;

describe('the model choice', () => {
  // CDNOW's first 39 weeks, the history a shop would have had on 1997-09-30.
  const end = Date.UTC(1997, 8, 30);
  const purchases = cdnowPurchases().filter((p) => p.at <= end);

  it('holds out the latest quarter of the history, four weeks to ninety days', () => {
    expect([holdoutDaysOf(40), holdoutDaysOf(272), holdoutDaysOf(1000)]).toEqual([28, 68, 90]);
  });

  it('backtests both models on the latest weeks and takes the one better on at least two of the three measures', () => {
    const choice = chooseModels(purchases, end);
    expect(choice.backtest).toMatchObject({ calibrationEnd: '1997-07-24', holdoutEnd: '1997-09-30', holdoutDays: 68 });
    const score = (model: string) => choice.backtest!.scores.find((s) => s.model === model)!;
    const wins = (a: ChoiceScore, b: ChoiceScore) => Number(a.purchasesRmse < b.purchasesRmse) + Number(a.purchasesSpearman > b.purchasesSpearman) + Number(a.topDecileCapture > b.topDecileCapture);
    const other = choice.purchase === 'bgnbd' ? 'activity' : 'bgnbd';
    expect(wins(score(choice.purchase), score(other))).toBeGreaterThanOrEqual(2);
    expect(choice.reason).toContain(`${choice.purchase} better than ${other}`);
    expect(['gamma-gamma', 'own-mean', 'gamma-gamma-all']).toContain(choice.spend);
    // The naive rate is shown beside them, for the merchant to see what the models add.
    expect(score('naive').churnAuc).toBeNull();
  });

  it('keeps to the published models, and says why, when the history is too short or too thin to test on', () => {
    const short = chooseModels(
      purchases.filter((p) => p.at < Date.UTC(1997, 1, 1)),
      Date.UTC(1997, 1, 1),
    );
    expect(short).toMatchObject({ purchase: 'bgnbd', spend: 'gamma-gamma', backtest: null });
    expect(short.reason).toMatch(/^no backtest: 31 days of orders, fewer than twice the 28-day holdout/);
    const few = chooseModels(
      purchases.filter((p) => Number(p.customerId) <= 30),
      end,
    );
    expect(few.reason).toMatch(/^no backtest: \d+ customers before the holdout/);
  });

  it('backtests on a sample of the customers when there are many, the same sample each time', () => {
    const a = chooseModels(purchases, end, { maxCustomers: 1000 });
    expect(a.backtest!.customers).toBeGreaterThan(800);
    expect(a.backtest!.customers).toBeLessThan(1200);
    expect(chooseModels(purchases, end, { maxCustomers: 1000 }).backtest).toEqual(a.backtest);
  });
});

describe('stages in the values', () => {
  // One-time buyer a (day 0), regular b (every 10 days), c lapsed for 100 days then back on day 190.
  const at = (day: number) => Date.UTC(2026, 0, 1) + day * DAY + 3_600_000;
  const purchases: Purchase[] = [
    { customerId: 'a', at: at(0), amount: 10 },
    ...Array.from({ length: 20 }, (_, i) => ({ customerId: 'b', at: at(i * 10), amount: 20 + i })),
    ...[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 190].map((d) => ({ customerId: 'c', at: at(d), amount: 30 })),
  ];
  const end = at(195);

  it("reads each customer's stage off their days against the shop's own gaps, and every change from a given day on", () => {
    const value = valueCustomers(buyersOf(purchases, end), {}, { purchases, end, changesSince: Math.floor(at(190) / DAY) });
    // Gaps of 10 days (28 of them) and one of 100: at risk past the 80th percentile (10), lapsed past 1.5 times it.
    expect(value.lifecycle).toEqual({ atRiskAfterDays: 10, lapsedAfterDays: 15, loyalRepeats: 3 });
    const stage = Object.fromEntries(value.customers.map((c) => [c.id, c.stage]));
    expect(stage).toEqual({ a: 'lapsed', b: 'loyal', c: 'reactivated' });
    // From day 190 on: c comes back (day 190); b, whose last purchase was day 190, is not yet at risk on day 195.
    expect(value.stageChanges).toEqual([{ customerId: 'c', day: Math.floor(at(190) / DAY), from: 'lapsed', to: 'reactivated' }]);
    const all = valueCustomers(buyersOf(purchases, end), {}, { purchases, end }).stageChanges;
    expect(all.filter((c) => c.customerId === 'a')).toEqual([
      { customerId: 'a', day: Math.floor(at(0) / DAY), from: null, to: 'new' },
      { customerId: 'a', day: Math.floor(at(11) / DAY), from: 'new', to: 'at-risk' },
      { customerId: 'a', day: Math.floor(at(16) / DAY), from: 'at-risk', to: 'lapsed' },
    ]);
  });
});

describe("a buyer's purchase days", () => {
  it('are kept sorted, one a day with its revenue, whatever order the orders arrive in', () => {
    const days = new PurchaseDays();
    for (const [day, amount] of [
      [5, 10],
      [3, 1],
      [5, 2],
      [9, 4],
    ])
      days.add(7, day, amount);
    expect(days.daysOf(7)).toEqual([3, 5, 9]);
    expect(days.table()).toEqual({ customer: Int32Array.of(7, 7, 7), day: Int32Array.of(3, 5, 9), amount: Float64Array.of(1, 12, 4) });
    expect(days.entries).toBe(3);
  });

  it('keep the latest days only, beyond three years of daily orders', () => {
    const days = new PurchaseDays();
    for (let d = 0; d < MAX_DAYS_KEPT + 5; d++) days.add(1, d, 1);
    expect(days.daysOf(1)).toHaveLength(MAX_DAYS_KEPT);
    expect(days.daysOf(1)[0]).toBe(5);
    expect(days.entries).toBe(MAX_DAYS_KEPT);
  });

  it('follow a merge of an anonymous buyer into a known one, and the buyers the ledger hands a refit', () => {
    const ledger = new CustomerLedger();
    ledger.order('anon', at(1), 5);
    ledger.order('user', at(3), 7);
    ledger.order('anon', at(3), 1);
    ledger.merge('anon', 'user');
    expect(ledger.purchaseDaysOf('user')).toEqual([day(1), day(3)]);
    expect(ledger.purchaseDaysOf('anon')).toEqual([]);
    const { buyers, days } = ledger.buyersWithDays(at(10));
    expect(buyers.map((b) => b.id)).toEqual(['user']);
    expect(days).toEqual({ customer: Int32Array.of(0, 0), day: Int32Array.of(day(1), day(3)), amount: Float64Array.of(5, 8) });
  });

  const at = (d: number) => Date.UTC(2026, 0, 1) + d * DAY;
  const day = (d: number) => Math.floor(at(d) / DAY);
});
