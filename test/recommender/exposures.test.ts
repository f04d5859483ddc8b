// An experiment's exposures and the day-by-day sweep of its figures, against cases worked out by hand.

import { describe, expect, it } from 'vitest';
import { ExposureLedger, IdIndex, meanOf, sweepExposures } from '../../recommender';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 1, 12);

describe('ExposureLedger', () => {
  it('keeps the first exposure, and counts only orders after it and before the stop', () => {
    const people = new IdIndex();
    const ledger = new ExposureLedger(people, T0 + 3 * DAY);
    ledger.order('a', T0, 99); // not exposed yet
    expect(ledger.expose('a', 1, T0 + 10)).toBe(true);
    expect(ledger.expose('a', 0, T0 + 20)).toBe(false);
    expect(ledger.variantOf('a')).toBe(1);
    expect(ledger.variantOf('b')).toBe(-1);
    ledger.order('a', T0 + 5, 1); // before the exposure
    ledger.order('a', T0 + DAY, 10);
    ledger.order('a', T0 + 4 * DAY, 1000); // after the stop
    const data = ledger.read();
    expect([...data.orderRevenue]).toEqual([10]);
    expect(ledger.size).toBe(1);
  });

  it("merges an anonymous visitor into a user: the earlier exposure stays, the other's later orders follow", () => {
    const people = new IdIndex();
    const ledger = new ExposureLedger(people);
    ledger.expose('user', 0, T0);
    ledger.expose('anon', 1, T0 + 100);
    ledger.order('anon', T0 + 200, 5);
    ledger.merge('anon', 'user');
    expect(ledger.size).toBe(1);
    expect(ledger.variantOf('user')).toBe(0);
    expect(ledger.variantOf('anon')).toBe(-1);
    ledger.order('user', T0 + 300, 7);
    const sweep = sweepExposures({ data: ledger.read(), variants: 2, totalRevenue: () => 12, totalOrders: () => 2, value: () => 0, end: T0 });
    expect(sweep.variants[0].revenue).toMatchObject({ n: 1, sy: 12 });
    expect(sweep.variants[1].revenue.n).toBe(0);
    // Exposed only while anonymous: the user takes the exposure over.
    const alone = new ExposureLedger(people);
    alone.expose('anon-2', 1, T0);
    alone.merge('anon-2', 'user-2');
    expect(alone.variantOf('user-2')).toBe(1);
  });
});

describe('sweepExposures', () => {
  it("sums each variant's visitors day by day: revenue, orders and conversion after exposure, CLV, AOV, and the pre-exposure covariates", () => {
    const people = new IdIndex();
    const ledger = new ExposureLedger(people);
    ledger.expose('a', 0, T0);
    ledger.expose('b', 1, T0 + 60_000);
    ledger.expose('c', 1, T0 + DAY);
    ledger.order('a', T0 + 1000, 10);
    ledger.order('b', T0 + DAY + 5, 20);
    ledger.order('b', T0 + 2 * DAY, 40);
    const totals: Record<string, [number, number]> = { a: [15, 2], b: [60, 2], c: [8, 1] }; // a and c bought before exposure
    const value: Record<string, number> = { a: 100, b: 50, c: 0 };
    const sweep = sweepExposures({
      data: ledger.read(),
      variants: 2,
      totalRevenue: (p) => totals[people.id(p)][0],
      totalOrders: (p) => totals[people.id(p)][1],
      value: (p) => value[people.id(p)],
      end: T0 + 2 * DAY,
    });
    expect(sweep.days.map((d) => d.day)).toEqual([0, 1, 2].map((d) => Math.floor(T0 / DAY) * DAY + d * DAY));
    const [first, second] = sweep.days.map((d) => d.variants[1]);
    expect(first.revenue).toEqual({ n: 1, sy: 0, syy: 0, sx: 0, sxx: 0, sxy: 0 });
    // Day two: b has spent 20 (pre 0), c nothing after exposure (pre 8).
    expect(second.revenue).toEqual({ n: 2, sy: 20, syy: 400, sx: 8, sxx: 64, sxy: 0 });
    const now = sweep.variants;
    expect(now[1].revenue).toEqual({ n: 2, sy: 60, syy: 3600, sx: 8, sxx: 64, sxy: 0 });
    expect(now[1].orders).toMatchObject({ n: 2, sy: 2, syy: 4, sx: 1 });
    expect(now[1].conversion).toMatchObject({ n: 2, sy: 1, sx: 1, sxy: 0 });
    expect(now[1].aov).toMatchObject({ sy: 60, sx: 2, sxx: 4, sxy: 120 });
    expect(now[1].clv).toMatchObject({ n: 2, sy: 50, sx: 8 });
    expect(now[0].revenue).toEqual({ n: 1, sy: 10, syy: 100, sx: 5, sxx: 25, sxy: 50 });
    expect(meanOf(now[0].clv)).toBe(100);
  });
});
