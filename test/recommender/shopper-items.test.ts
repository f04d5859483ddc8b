import { describe, expect, it } from 'vitest';
import { IN_CART, ShopperItems, VIEWED } from '../../recommender/shopper-items';

const DAY = 86_400_000;

const itemsOf = (t: ShopperItems, user: number) => {
  const out: number[] = [];
  for (let e = t.first(user); e !== -1; e = t.next(e)) out.push(t.item(e));
  return out;
};

describe('ShopperItems', () => {
  it('finds every (shopper, product) entry after many growths, and chains each shopper newest first', () => {
    const t = new ShopperItems(30);
    const entries = new Map<string, number>();
    for (let user = 0; user < 300; user++) for (let item = 0; item < 40; item += 1 + (user % 3)) entries.set(`${user} ${item}`, t.entry(user, item));
    expect(t.size).toBe(entries.size);
    for (const [key, e] of entries) {
      const [user, item] = key.split(' ').map(Number);
      expect(t.find(user, item)).toBe(e);
      expect(t.entry(user, item)).toBe(e); // no second entry
    }
    expect(t.find(5, 1000)).toBe(-1);
    expect(t.find(1000, 0)).toBe(-1);
    expect(itemsOf(t, 2)).toEqual([39, 36, 33, 30, 27, 24, 21, 18, 15, 12, 9, 6, 3, 0]);
    expect(t.first(4000)).toBe(-1);
  });

  it('decays affinity with its half-life, late events decayed to the latest time', () => {
    const t = new ShopperItems(10);
    const e = t.entry(0, 0);
    expect(t.affinity(e, 0)).toBe(0);
    t.addAffinity(e, 4, 0);
    t.addAffinity(e, 4, 10 * DAY); // 4 halved to 2, plus 4
    expect(t.affinity(e, 10 * DAY)).toBeCloseTo(6);
    t.addAffinity(e, 2, 0); // ten days late: counts 1
    expect(t.affinity(e, 10 * DAY)).toBeCloseTo(7);
    expect(t.affinity(e, 20 * DAY)).toBeCloseTo(3.5);
    expect(t.at(e)).toBe(10 * DAY);
  });

  it('moves one shopper into another, combining what both had', () => {
    const t = new ShopperItems(30);
    const a = t.entry(1, 7);
    t.addAffinity(a, 1, 0);
    t.addBought(a);
    t.set(a, VIEWED, true);
    const b = t.entry(1, 8);
    t.addAffinity(b, 2, 0);
    t.set(b, IN_CART, true);
    const c = t.entry(2, 7);
    t.addAffinity(c, 3, 0);
    t.addBought(c);
    const added: number[] = [];
    t.move(1, 2, (item) => added.push(item));
    expect(added).toEqual([8]);
    expect(t.first(1)).toBe(-1);
    expect(t.find(1, 7)).toBe(-1);
    expect(itemsOf(t, 2).sort()).toEqual([7, 8]);
    const seven = t.find(2, 7);
    expect(t.affinity(seven, 0)).toBeCloseTo(4);
    expect(t.bought(seven)).toBe(2);
    expect(t.has(seven, VIEWED)).toBe(true);
    expect(t.has(t.find(2, 8), IN_CART)).toBe(true);
    expect(t.affinity(t.find(2, 8), 0)).toBeCloseTo(2);
  });
});
