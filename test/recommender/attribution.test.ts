import { describe, expect, it } from 'vitest';
import { ClickLedger } from '../../recommender';

describe('ClickLedger', () => {
  it('attributes an order in the same visit to the slots whose products were clicked', () => {
    const l = new ClickLedger();
    l.click('v1', 'a', { slot: 'pdp', recommendationId: 'r1', at: 1 });
    l.click('v1', 'b', { slot: 'home', recommendationId: 'r2', at: 2 });
    l.click('v1', 'c', { slot: 'pdp', recommendationId: 'r3', at: 3 });
    const out = l.attribute(
      'v1',
      [
        { productId: 'a', revenue: 10 },
        { productId: 'c', revenue: 5 },
        { productId: 'z', revenue: 100 },
      ],
      10,
    );
    expect(out).toEqual([{ slot: 'pdp', recommendationIds: ['r1', 'r3'], products: ['a', 'c'], revenue: 15 }]);
    expect(l.attribute('v2', [{ productId: 'a', revenue: 10 }], 10)).toEqual([]); // another visit
  });

  it('credits the last click on a product, and ignores clicks after the order', () => {
    const l = new ClickLedger();
    l.click('v', 'a', { slot: 'home', at: 1 });
    l.click('v', 'a', { slot: 'cart', at: 5 });
    expect(l.attribute('v', [{ productId: 'a', revenue: 3 }], 9).map((a) => a.slot)).toEqual(['cart']);
    expect(l.attribute('v', [{ productId: 'a', revenue: 3 }], 0)).toEqual([]);
  });

  it('follows a visit to the id it is known by next, the latest click on a product winning', () => {
    const l = new ClickLedger();
    l.click('anon', 'a', { slot: 'home', at: 1 });
    l.click('anon', 'b', { slot: 'pdp', at: 5 });
    l.click('user', 'b', { slot: 'cart', at: 3 });
    l.alias('anon', 'user');
    expect(l.attribute('anon', [{ productId: 'a', revenue: 1 }], 9)).toEqual([]);
    expect(
      l.attribute(
        'user',
        [
          { productId: 'a', revenue: 1 },
          { productId: 'b', revenue: 2 },
        ],
        9,
      ),
    ).toEqual([
      { slot: 'home', recommendationIds: [], products: ['a'], revenue: 1 },
      { slot: 'pdp', recommendationIds: [], products: ['b'], revenue: 2 },
    ]);
    l.alias('nobody', 'user');
    expect(l.attribute('user', [{ productId: 'a', revenue: 1 }], 9)).toHaveLength(1);
  });

  it('stays bounded', () => {
    const l = new ClickLedger(10);
    for (let i = 0; i < 50; i++) l.click(`v${i}`, 'a', { slot: 's', at: i });
    expect(l.attribute('v0', [{ productId: 'a', revenue: 1 }], 100)).toEqual([]);
    expect(l.attribute('v49', [{ productId: 'a', revenue: 1 }], 100)).toHaveLength(1);
  });
});
