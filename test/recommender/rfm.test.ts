import { describe, expect, it } from 'vitest';
import { CustomerLedger, churnRisk, random, rfmGroup, scoreRfm, valueCustomers } from '../../recommender';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('RFM', () => {
  it('scores quintiles among buyers, ties sharing a score, recency the fewer days the better', () => {
    // Ten buyers: recency 0..9 days, orders 1,1,1,1,1,1,2,3,4,10, revenue 10..100.
    const orders = [1, 1, 1, 1, 1, 1, 2, 3, 4, 10];
    const customers = orders.map((o, i) => ({ recencyDays: i, orders: o, revenue: 10 * (i + 1) }));
    const scores = scoreRfm([...customers, { recencyDays: 0, orders: 0, revenue: 0 }]);
    expect(scores.map((s) => s?.r)).toEqual([5, 5, 4, 4, 3, 3, 2, 2, 1, 1, undefined]);
    expect(scores.map((s) => s?.f)).toEqual([1, 1, 1, 1, 1, 1, 4, 4, 5, 5, undefined]);
    expect(scores.map((s) => s?.m)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, undefined]);
    expect(scores[0]!.group).toBe('new'); // R5 F1
    expect(scores[9]!.group).toBe('cannot-lose'); // R1 F5: was the best, gone quiet
  });

  it('names the usual groups from the R x F grid', () => {
    const grid: [number, number, string][] = [
      [5, 5, 'champions'],
      [5, 4, 'champions'],
      [4, 5, 'loyal'],
      [3, 4, 'loyal'],
      [5, 3, 'potential-loyalists'],
      [4, 2, 'potential-loyalists'],
      [5, 1, 'new'],
      [4, 1, 'promising'],
      [3, 3, 'need-attention'],
      [3, 1, 'about-to-sleep'],
      [2, 4, 'at-risk'],
      [1, 3, 'at-risk'],
      [2, 5, 'cannot-lose'],
      [1, 1, 'hibernating'],
      [2, 2, 'hibernating'],
    ];
    for (const [r, f, group] of grid) expect(rfmGroup(r, f)).toBe(group);
  });
});

describe('customer value', () => {
  it('counts purchase days as the CLV models do, late orders included', () => {
    const ledger = new CustomerLedger();
    ledger.order('c', T0 + 10 * DAY, 30);
    ledger.order('c', T0 + 10 * DAY + 3_600_000, 5); // same day: one purchase day
    ledger.order('c', T0 + 20 * DAY, 20);
    ledger.order('c', T0 + 2 * DAY, 50); // arrives late, earlier than the rest
    ledger.view('browser', T0);
    const [c] = ledger.buyers(T0 + 40 * DAY);
    expect(ledger.buyers(T0 + 40 * DAY)).toHaveLength(1);
    expect(c).toMatchObject({ id: 'c', frequency: 2, recency: 18, T: 38, orders: 4, revenue: 105 });
    expect(c.monetary).toBeCloseTo((35 + 20) / 2); // repeat days: day 10 (30 + 5) and day 20
    expect(c.recencyDays).toBeCloseTo(20);
  });

  it('tiers churn risk by P(alive) with configurable thresholds', () => {
    expect(churnRisk(0.9)).toBe('active');
    expect(churnRisk(0.6)).toBe('cooling');
    expect(churnRisk(0.3)).toBe('at-risk');
    expect(churnRisk(0.1)).toBe('lost');
    expect(churnRisk(0.6, { active: 0.5, cooling: 0.3, atRisk: 0.1 })).toBe('active');
  });

  it('values a simulated base: regulars who keep coming are worth more than those who stopped', () => {
    const rand = random(7);
    const ledger = new CustomerLedger();
    const now = T0 + 365 * DAY;
    for (let i = 0; i < 600; i++) {
      // Every customer buys every ~20 days for a while; some stop early.
      const stopsAt = i % 3 === 0 ? T0 + 60 * DAY : now;
      const start = T0 + rand() * 100 * DAY;
      const typicalSpend = 10 + rand() * rand() * 200; // customers differ in what they spend
      for (let at = start; at < stopsAt; at += (5 + rand() * 30) * DAY) ledger.order(`c${i}`, at, typicalSpend * (0.7 + rand() * 0.6));
    }
    const model = valueCustomers(ledger.buyers(now));
    expect(model.errors).toEqual([]);
    expect(model.bgnbd).not.toBeNull();
    expect(model.gammaGamma).not.toBeNull();
    const mean = (ids: (i: number) => boolean, f: (c: (typeof model.customers)[number]) => number) => {
      const chosen = model.customers.filter((c) => ids(Number(c.id.slice(1))));
      return chosen.reduce((s, c) => s + f(c), 0) / chosen.length;
    };
    // Repeat buyers only: BG/NBD holds a one-time buyer alive (P(alive) = 1) until they buy again.
    const repeaters = new Set(
      ledger
        .buyers(now)
        .filter((b) => b.frequency > 1)
        .map((b) => b.id),
    );
    const stopped = (i: number) => i % 3 === 0 && repeaters.has(`c${i}`);
    const going = (i: number) => i % 3 !== 0 && repeaters.has(`c${i}`);
    expect(mean(going, (c) => c.clv!)).toBeGreaterThan(3 * mean(stopped, (c) => c.clv!));
    expect(mean(going, (c) => c.pAlive!)).toBeGreaterThan(0.8);
    expect(mean(stopped, (c) => c.pAlive!)).toBeLessThan(0.2);
    const lost = model.customers.filter((c) => c.churnRisk === 'lost' || c.churnRisk === 'at-risk');
    expect(lost.length).toBeGreaterThan(50);
    expect(lost.filter((c) => Number(c.id.slice(1)) % 3 === 0).length / lost.length).toBeGreaterThan(0.9);
    for (const c of model.customers) expect(c.rfm.r).toBeGreaterThanOrEqual(1);
  });

  it('reports why when there is too little history to fit, and still scores RFM', () => {
    const ledger = new CustomerLedger();
    ledger.order('only', T0, 10);
    const model = valueCustomers(ledger.buyers(T0 + DAY));
    expect(model.gammaGamma).toBeNull();
    expect(model.bgnbd).toBeNull();
    expect(model.errors.join()).toMatch(/Gamma-Gamma/);
    expect(model.customers[0]).toMatchObject({ clv: null, pAlive: null, churnRisk: null, expectedSpend: 10 });
    expect(model.customers[0].rfm.group).toBeDefined();
  });

  it('values customers by the mean spend when everyone spends alike (Gamma-Gamma cannot tell them apart)', () => {
    const rand = random(9);
    const ledger = new CustomerLedger();
    for (let i = 0; i < 300; i++) {
      const stops = T0 + (i % 2 ? 200 : 40 + rand() * 100) * DAY;
      for (let at = T0 + rand() * 30 * DAY; at < stops; at += (3 + rand() * 40) * DAY) ledger.order(`c${i}`, at, 25);
    }
    const model = valueCustomers(ledger.buyers(T0 + 200 * DAY));
    expect(model.bgnbd).not.toBeNull();
    expect(model.errors.join()).toMatch(/Gamma-Gamma/);
    for (const c of model.customers) expect(c.expectedSpend).toBeCloseTo(25);
    expect(model.customers.every((c) => c.clv !== null && c.clv >= 0)).toBe(true);
  }, 180_000); // a BG/NBD fit that works hard on data this flat: 13 s on a quiet machine
});
