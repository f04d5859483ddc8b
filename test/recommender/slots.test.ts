import { describe, expect, it } from 'vitest';
import { InteractionModel, composeSlot, type ItemFacts } from '../../recommender';

const catalog: Record<string, ItemFacts> = {
  a: { category: 'coffee', price: 10, inStock: true, attributes: { brand: 'north' } },
  b: { category: 'coffee', price: 20, inStock: true, attributes: { brand: 'south' } },
  c: { category: 'kitchen', price: 30, inStock: true, attributes: { brand: 'north' } },
  d: { category: 'kitchen', price: 40, inStock: false, attributes: {} },
  e: { category: 'books', price: 50, inStock: true, attributes: { brand: 'north' } },
  f: { category: 'books', price: 60, inStock: true, attributes: {} },
};
const facts = (id: string) => catalog[id];
const list = (source: string, ids: string[]) => ({ source, items: ids.map((id, i) => ({ id, score: 10 - i })) });
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('composeSlot', () => {
  it('ranks by the strategy, never serves out-of-stock, deleted or anchor items', () => {
    const out = composeSlot([list('also-bought', ['x-deleted', 'a', 'd', 'b', 'c'])], facts, { limit: 3 }, { anchor: 'c' });
    expect(ids(out)).toEqual(['a', 'b']);
    expect(out[0]).toEqual({ id: 'a', score: 9, source: 'also-bought' });
  });

  it('fills from the fallback chain in order, without repeating an item', () => {
    const out = composeSlot([list('also-bought', ['a']), list('also-viewed', ['a', 'b']), list('popular', ['e', 'b', 'f'])], facts, { limit: 4 });
    expect(out.map((i) => `${i.id}:${i.source}`)).toEqual(['a:also-bought', 'b:also-viewed', 'e:popular', 'f:popular']);
  });

  it('applies each filter', () => {
    const all = [list('popular', ['a', 'b', 'c', 'd', 'e', 'f'])];
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { categoryIn: ['coffee', 'books'] } }))).toEqual(['a', 'b', 'e', 'f']);
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { categoryNotIn: ['coffee'] } }))).toEqual(['c', 'e', 'f']);
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { priceMin: 20, priceMax: 50 } }))).toEqual(['b', 'c', 'e']);
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { inStockOnly: false } }))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { excludePurchased: true } }, { purchased: new Set(['a', 'e']) }))).toEqual(['b', 'c', 'f']);
    expect(ids(composeSlot(all, facts, { limit: 9, filters: { excludeCart: true } }, { cart: new Set(['b']) }))).toEqual(['a', 'c', 'e', 'f']);
    // without the filter, purchased and cart items are served
    expect(ids(composeSlot(all, facts, { limit: 2 }, { purchased: new Set(['a']), cart: new Set(['b']) }))).toEqual(['a', 'b']);
  });

  it('boosts by category and by attribute, within a strategy’s list', () => {
    const all = [list('popular', ['a', 'b', 'c', 'e'])]; // scores 10, 9, 8, 7
    expect(ids(composeSlot(all, facts, { limit: 4, boosters: [{ category: 'books', weight: 2 }] }))).toEqual(['e', 'a', 'b', 'c']);
    expect(ids(composeSlot(all, facts, { limit: 4, boosters: [{ attribute: { name: 'brand', value: 'south' }, weight: 1.5 }] }))).toEqual(['b', 'a', 'c', 'e']);
    expect(ids(composeSlot(all, facts, { limit: 4, boosters: [{ category: 'coffee', weight: 0.1 }] }))).toEqual(['c', 'e', 'a', 'b']);
    // a booster on both needs both
    expect(composeSlot(all, facts, { limit: 1, boosters: [{ category: 'kitchen', attribute: { name: 'brand', value: 'north' }, weight: 3 }] })[0]).toMatchObject({ id: 'c', score: 24 });
    // a fallback list never overtakes the slot’s own strategy, however boosted
    expect(ids(composeSlot([list('also-bought', ['a']), list('popular', ['e'])], facts, { limit: 2, boosters: [{ category: 'books', weight: 100 }] }))).toEqual(['a', 'e']);
  });

  it('caps how many products of one category it shows', () => {
    const all = [list('popular', ['a', 'b', 'c', 'e', 'f'])];
    expect(ids(composeSlot(all, facts, { limit: 4, maxPerCategory: 1 }))).toEqual(['a', 'c', 'e']);
    expect(ids(composeSlot(all, facts, { limit: 5, maxPerCategory: 2 }))).toEqual(['a', 'b', 'c', 'e', 'f']);
  });

  it('pins items at their positions, but never a deleted or out-of-stock one', () => {
    const all = [list('popular', ['a', 'b', 'c', 'e'])];
    const out = composeSlot(all, facts, {
      limit: 4,
      pinned: [
        { item: 'f', position: 1 },
        { item: 'e', position: 0 },
      ],
    });
    expect(out.map((i) => `${i.id}:${i.source}`)).toEqual(['e:pinned', 'f:pinned', 'a:popular', 'b:popular']);
    expect(
      ids(
        composeSlot(all, facts, {
          limit: 3,
          pinned: [
            { item: 'd', position: 0 },
            { item: 'gone', position: 1 },
          ],
        }),
      ),
    ).toEqual(['a', 'b', 'c']);
    // a pin beyond the list lands at its end; a pin overrides the filters
    expect(ids(composeSlot([list('popular', ['a'])], facts, { limit: 3, pinned: [{ item: 'c', position: 9 }], filters: { categoryIn: ['coffee'] } }))).toEqual(['a', 'c']);
  });
});

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('trending, recently viewed, cart and support', () => {
  it('ranks items whose recent rate rises against their own baseline', () => {
    const m = new InteractionModel({ trendingRecentHours: 24, trendingBaselineDays: 14 });
    // steady: 10 views a day for 20 days; rising: nothing, then 15 views today
    for (let d = 0; d < 20; d++) for (let v = 0; v < 10; v++) m.view(`u${d}-${v}`, 'steady', T0 + d * DAY + v * HOUR);
    for (let v = 0; v < 15; v++) m.view(`r${v}`, 'rising', T0 + 19 * DAY + v * HOUR);
    m.view('once', 'cold', T0 + 19 * DAY + 10 * HOUR);
    const trending = m.trending({ limit: 3 }).map((r) => r.id);
    expect(trending[0]).toBe('rising');
    expect(trending.indexOf('steady')).not.toBe(0); // busy, but no busier than usual
    expect(m.popular({ limit: 1 })[0].id).toBe('steady'); // popular and trending differ
  });

  it('remembers what a shopper viewed, has in the cart, and bought', () => {
    const m = new InteractionModel();
    m.view('s', 'a', T0);
    m.view('s', 'b', T0 + 1);
    m.view('s', 'a', T0 + 2);
    expect(m.recentlyViewed('s', { limit: 5 }).map((r) => r.id)).toEqual(['a', 'b']);
    m.cartAdd('s', 'a', T0 + 3);
    m.cartAdd('s', 'c', T0 + 4);
    m.cartRemove('s', 'c');
    expect([...m.cart('s')]).toEqual(['a']);
    m.purchase('s', ['a'], T0 + 5);
    expect([...m.cart('s')]).toEqual([]);
    expect([...m.purchased('s')]).toEqual(['a']);
    expect([...m.salesAmong(['s', 'nobody'])]).toEqual([['a', 1]]);
  });

  it('leaves out pairs below the minimum support', () => {
    const m = new InteractionModel();
    m.purchase('u1', ['a', 'b'], T0);
    m.purchase('u2', ['a', 'b'], T0);
    m.purchase('u3', ['a', 'c'], T0);
    expect(m.alsoBought('a', { limit: 5 }).map((r) => r.id)).toEqual(['b', 'c']);
    expect(m.alsoBought('a', { limit: 5, minSupport: 2 }).map((r) => r.id)).toEqual(['b']);
  });
});
