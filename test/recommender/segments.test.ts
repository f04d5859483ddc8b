import { describe, expect, it } from 'vitest';
import { CustomerLedger, IdIndex, fitSegments, random, seedCentroids, silhouette, SegmentInputError } from '../../recommender';

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;

/** Three clearly different groups of shoppers. */
function ledger(): CustomerLedger {
  const book = new CustomerLedger();
  const rand = random(7);
  for (let i = 0; i < 60; i++) {
    // loyal high spenders: many recent orders, large baskets
    const id = `loyal-${i}`;
    for (let o = 0; o < 8 + Math.floor(rand() * 4); o++) {
      const at = NOW - (1 + o * 7) * DAY;
      book.view(id, at, 'audio');
      book.cartAdd(id, at, 'audio');
      book.order(id, at, 150 + rand() * 50, ['audio']);
    }
  }
  for (let i = 0; i < 60; i++) {
    // browsers who never buy
    const id = `browser-${i}`;
    for (let v = 0; v < 10 + Math.floor(rand() * 5); v++) book.view(id, NOW - (2 + v) * DAY, 'books');
  }
  for (let i = 0; i < 60; i++) {
    // lapsed: bought a few times, long ago
    const id = `lapsed-${i}`;
    for (let o = 0; o < 3; o++) {
      const at = NOW - (200 + o * 20) * DAY;
      book.view(id, at, 'garden');
      book.order(id, at, 30 + rand() * 10, ['garden']);
    }
  }
  return book;
}

describe('CustomerLedger', () => {
  it('accumulates features per customer and counts visits by inactivity', () => {
    const book = new CustomerLedger(30);
    book.view('c', NOW - 2 * DAY, 'audio');
    book.view('c', NOW - 2 * DAY + 60_000, 'audio');
    book.order('c', NOW - DAY, 80, ['audio', 'books']);
    const table = book.table(NOW);
    expect(table.features).toEqual(['recencyDays', 'orders', 'revenue', 'views', 'cartAdds', 'visits', 'abandonedCarts', 'share:audio', 'share:books']);
    const [recency, orders, revenue, views, cartAdds, visits, , audio, books] = table.rows[0];
    expect(recency).toBeCloseTo(1);
    expect([orders, revenue, views, cartAdds, visits]).toEqual([1, 80, 2, 0, 2]);
    expect(audio).toBeCloseTo(3 / 4);
    expect(books).toBeCloseTo(1 / 4);
  });

  it('merges an anonymous history into a known customer', () => {
    const book = new CustomerLedger();
    book.view('anon', NOW - DAY, 'audio');
    book.order('user', NOW, 10);
    book.merge('anon', 'user');
    expect(book.get('anon')).toBeUndefined();
    expect(book.get('user')).toMatchObject({ orders: 1, views: 1, revenue: 10 });
  });

  it('merges into an id it has not seen, and combines the purchase days of two buyers', () => {
    const book = new CustomerLedger();
    book.cartAdd('anon', NOW - 3 * DAY, 'audio');
    book.merge('anon', 'new-user');
    expect(book.size).toBe(1);
    expect(book.get('new-user')).toMatchObject({ cartAdds: 1, visits: 1, visitCart: true, categories: new Map([['audio', 1]]) });
    // Two buyers: the earlier first day stays the first, every other day becomes a repeat day.
    book.order('a', NOW - 10 * DAY, 20);
    book.order('a', NOW - 2 * DAY, 30);
    book.order('b', NOW - 20 * DAY, 5);
    book.order('b', NOW - 20 * DAY + 60_000, 7);
    book.merge('a', 'b');
    expect(book.has('a')).toBe(false);
    const [buyer] = book.buyers(NOW).filter((x) => x.id === 'b');
    expect(buyer).toMatchObject({ frequency: 2, recency: 18, T: 20, monetary: 25, revenue: 62, orders: 4 });
    expect(book.size).toBe(2);
  });

  it('shares an id index with other models and counts only the customers it saw', () => {
    const ids = new IdIndex();
    ids.intern('someone-else');
    const book = new CustomerLedger(30, ids);
    book.view('c', NOW - DAY);
    expect(book.size).toBe(1);
    expect(book.has('someone-else')).toBe(false);
    expect(book.table(NOW).customerIds).toEqual(['c']);
    expect(ids.get('c')).toBe(1);
  });

  it('makes the same matrix in slices as at once, pausing between slices, each row with its index among the people', async () => {
    const book = new CustomerLedger(30);
    for (let i = 0; i < 40_000; i++) book.view(`v-${i}`, NOW - (i % 90) * DAY, i % 3 ? 'audio' : 'books');
    let pauses = 0;
    const sliced = await book.matrixInSlices(NOW, 8, async () => void pauses++);
    expect(sliced).toEqual(book.matrix(NOW));
    expect(pauses).toBeGreaterThan(1);
    expect(sliced.indices.length).toBe(40_000);
    expect(book.people.id(sliced.indices[123])).toBe('v-123');
  });
});

describe('fitSegments', () => {
  it('finds the three groups, chooses k=3 by silhouette and names them', () => {
    const book = ledger();
    const table = book.table(NOW);
    const model = fitSegments(table, { kMin: 2, kMax: 6, seed: 1 });
    expect(model.k).toBe(3);
    const byPrefix = new Map<string, Set<number>>();
    table.customerIds.forEach((id, i) => {
      const prefix = id.split('-')[0];
      byPrefix.set(prefix, (byPrefix.get(prefix) ?? new Set()).add(model.assignments[i]));
    });
    for (const ids of byPrefix.values()) expect(ids.size).toBe(1); // each group is one segment
    const labelOf = (prefix: string) => model.segments.find((s) => s.id === [...byPrefix.get(prefix)!][0])!;
    expect(labelOf('loyal').label).toBe('loyal high spenders');
    expect(labelOf('loyal').slug).toBe('loyal-high-spenders');
    expect(labelOf('browser').label).toBe('browsers who never buy');
    expect(labelOf('lapsed').label).toBe('lapsed regulars');
    expect(labelOf('loyal').revenueShare).toBeGreaterThan(0.8);
    expect(model.segments.reduce((a, s) => a + s.size, 0)).toBe(180);
    expect(labelOf('browser').centroid.orders).toBe(0);
  });

  it('keeps segment ids stable across refreshes', () => {
    const book = ledger();
    const first = fitSegments(book.table(NOW), { k: 3, seed: 1 });
    const second = fitSegments(book.table(NOW), { k: 3, seed: 99, previous: first.segments });
    expect(second.assignments).toEqual(first.assignments);
    expect(second.segments.map((s) => s.label)).toEqual(first.segments.map((s) => s.label));
  });

  it('rejects a bad k with its own error and handles tiny inputs', () => {
    const book = ledger();
    expect(() => fitSegments(book.table(NOW), { k: 0 })).toThrow(SegmentInputError);
    expect(fitSegments(new CustomerLedger().table(NOW))).toMatchObject({ k: 0, segments: [] });
    const one = new CustomerLedger();
    one.view('solo', NOW, 'x');
    expect(fitSegments(one.table(NOW)).assignments).toHaveLength(1);
  });

  it('seeds k-means++ deterministically from distinct points', () => {
    const points = [
      [0, 0],
      [0, 0.1],
      [10, 10],
      [10, 10.1],
      [-10, 5],
    ];
    const a = seedCentroids(points, 3, random(3));
    const b = seedCentroids(points, 3, random(3));
    expect(a).toEqual(b);
    const groups = new Set(a.map(([x]) => Math.round(x / 10)));
    expect(groups.size).toBe(3); // D² sampling spreads the seeds over the three groups
    expect(silhouette(points.slice(0, 4), [0, 0, 1, 1], 2, random(1))).toBeGreaterThan(0.9);
  });
});
