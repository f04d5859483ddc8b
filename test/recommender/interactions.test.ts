import { describe, expect, it } from 'vitest';
import { CachedRanking, InteractionModel } from '../../recommender';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const DAY = 86_400_000;

describe('InteractionModel', () => {
  it('also-bought ranks items from the same orders by Jaccard', () => {
    const m = new InteractionModel();
    m.purchase('u1', ['camera', 'card', 'bag'], T0);
    m.purchase('u2', ['camera', 'card'], T0);
    m.purchase('u3', ['camera', 'tripod'], T0);
    m.purchase('u4', ['card'], T0);
    // camera: 3 orders, card: 3 orders, together 2 → 2/(3+3-2)=0.5; bag: 1/(3+1-1)=1/3; tripod: 1/3
    const recs = m.alsoBought('camera', { limit: 3 });
    expect(recs.map((r) => r.id)).toEqual(['card', 'bag', 'tripod']);
    expect(recs[0].score).toBeCloseTo(0.5);
    expect(recs[1].score).toBeCloseTo(1 / 3);
    expect(m.alsoBought('camera', { limit: 1, measure: 'count' })).toEqual([{ id: 'card', score: 2 }]);
    expect(m.alsoBought('unknown', { limit: 3 })).toEqual([]);
  });

  it('also-viewed only pairs views within one visit (30 minutes of inactivity ends it)', () => {
    const m = new InteractionModel();
    m.view('u1', 'a', T0);
    m.view('u1', 'b', T0 + 10 * MIN);
    m.view('u1', 'c', T0 + 50 * MIN); // 40 minutes later: a new visit
    expect(m.alsoViewed('a', { limit: 5 }).map((r) => r.id)).toEqual(['b']);
    expect(m.alsoViewed('c', { limit: 5 })).toEqual([]);
    // an explicit visit key wins over the clock
    m.view('u2', 'x', T0, 's1');
    m.view('u2', 'y', T0 + 5 * MIN, 's2');
    expect(m.alsoViewed('x', { limit: 5 })).toEqual([]);
  });

  it('for-you sums affinity times similarity and leaves out what the shopper has seen (SAR)', () => {
    const m = new InteractionModel({ weights: { view: 1, cartAdd: 3, purchase: 5 } });
    // Item-item co-occurrence over users: a,b by u1,u2; a,c by u3; b,d by u4.
    m.view('u1', 'a', T0);
    m.view('u1', 'b', T0);
    m.view('u2', 'a', T0);
    m.view('u2', 'b', T0);
    m.view('u3', 'a', T0);
    m.view('u3', 'c', T0);
    m.view('u4', 'b', T0);
    m.view('u4', 'd', T0);
    // Shopper s viewed a (weight 1) and bought nothing else.
    m.view('s', 'a', T0);
    // occurrences now: a=4 (u1,u2,u3,s), b=3, c=1, d=1.
    // score(b) = 1 * jaccard(a,b) = 2/(4+3-2) = 0.4; score(c) = 1/(4+1-1) = 0.25; d not reachable from a.
    const recs = m.forYou('s', { limit: 5 });
    expect(recs.map((r) => r.id)).toEqual(['b', 'c']);
    expect(recs[0].score).toBeCloseTo(0.4);
    expect(recs[1].score).toBeCloseTo(0.25);
    expect(m.forYou('nobody', { limit: 5 })).toEqual([]);
  });

  it('for-you weighs recent and stronger interactions more (half-life decay)', () => {
    const m = new InteractionModel({ halfLifeDays: 10 });
    m.view('u1', 'old', T0);
    m.view('u1', 'old-mate', T0);
    m.view('u2', 'new', T0);
    m.view('u2', 'new-mate', T0);
    m.view('s', 'old', T0);
    m.view('s', 'new', T0 + 10 * DAY); // one half-life later: 'old' now weighs 0.5
    const recs = m.forYou('s', { limit: 2 });
    expect(recs.map((r) => r.id)).toEqual(['new-mate', 'old-mate']);
    expect(recs[1].score / recs[0].score).toBeCloseTo(0.5);
  });

  it('popular ranks by weighted interactions and respects accept()', () => {
    const m = new InteractionModel({ weights: { view: 1, cartAdd: 3, purchase: 5 } });
    m.view('u1', 'a', T0);
    m.view('u2', 'a', T0);
    m.cartAdd('u1', 'b', T0);
    m.purchase('u1', ['c'], T0);
    expect(m.popular({ limit: 3 })).toEqual([
      { id: 'c', score: 5 },
      { id: 'b', score: 3 },
      { id: 'a', score: 2 },
    ]);
    expect(m.popular({ limit: 3, accept: (id) => id !== 'b' }).map((r) => r.id)).toEqual(['c', 'a']);
    m.view('u3', 'a', T0);
    m.view('u4', 'a', T0);
    m.view('u5', 'a', T0);
    expect(m.popular({ limit: 1 })[0]).toEqual({ id: 'a', score: 5 });
  });

  it('ranks popular and trending only among the servable products, and follows changes to them', () => {
    const m = new InteractionModel();
    const catalog = new Set(['real-1', 'real-2']);
    m.view('u0', 'made-up-0', T0);
    m.rankOnly((id) => catalog.has(id));
    for (let i = 1; i <= 50; i++) m.view(`u${i}`, `made-up-${i % 5}`, T0 + i);
    m.view('u1', 'real-1', T0 + 60);
    m.view('u2', 'real-2', T0 + 61);
    m.view('u3', 'real-2', T0 + 62);
    expect(m.popular({ limit: 5 }).map((r) => r.id)).toEqual(['real-2', 'real-1']);
    expect(m.trending({ limit: 5 }).map((r) => r.id)).toEqual(['real-2', 'real-1']);
    catalog.add('made-up-0');
    catalog.delete('real-1');
    m.servableChanged(['made-up-0', 'real-1']);
    // made-up-0: viewed before rankOnly and ten times after (i = 5, 10, ..., 50).
    expect(m.popular({ limit: 5 }).map((r) => r.id)).toEqual(['made-up-0', 'real-2']);
  });

  it('empties the cart at an order, keeps what is added after, and brings an anonymous cart along at login', () => {
    const m = new InteractionModel();
    for (let i = 0; i < 300; i++) m.view('u', `p${i}`, T0 + i);
    m.cartAdd('u', 'p3', T0 + 400);
    m.cartAdd('u', 'p250', T0 + 401);
    m.cartRemove('u', 'p250');
    m.cartAdd('u', 'p250', T0 + 402);
    expect([...m.cart('u')].sort()).toEqual(['p250', 'p3']);
    m.purchase('u', ['p3'], T0 + 500);
    expect(m.cart('u').size).toBe(0);
    m.cartAdd('u', 'p7', T0 + 600);
    m.cartAdd('anon', 'p8', T0 + 601);
    m.alias('anon', 'u');
    expect([...m.cart('u')].sort()).toEqual(['p7', 'p8']);
    m.purchase('u', ['p7', 'p8'], T0 + 700);
    expect(m.cart('u').size).toBe(0);
    for (let k = 0; k < 3; k++) {
      m.cartAdd('u', 'p9', T0 + 800 + k);
      expect([...m.cart('u')]).toEqual(['p9']);
      m.purchase('u', ['p9'], T0 + 900 + k);
      expect(m.cart('u').size).toBe(0);
    }
  });

  it('history lists a shopper’s items, most recent first', () => {
    const m = new InteractionModel();
    m.view('u', 'a', T0);
    m.cartAdd('u', 'b', T0 + 1000);
    m.view('u', 'a', T0 + 2000);
    expect(m.history('u')).toEqual(['a', 'b']);
  });
});

describe('InteractionModel.alias', () => {
  it('moves an anonymous history into the logged-in shopper, so for-you follows them', () => {
    const m = new InteractionModel();
    m.view('u1', 'a', T0);
    m.view('u1', 'b', T0);
    m.view('u2', 'c', T0);
    m.view('u2', 'd', T0);
    m.view('anon', 'a', T0); // browsing anonymously on one device
    m.view('user', 'c', T0); // logged in on another
    m.alias('anon', 'user');
    expect(m.history('user').sort()).toEqual(['a', 'c']);
    expect(m.history('anon')).toEqual([]);
    expect(
      m
        .forYou('user', { limit: 5 })
        .map((r) => r.id)
        .sort(),
    ).toEqual(['b', 'd']);
  });
});

describe('for-you at scale', () => {
  it('gives the same ranking as a full sort, even when filters reject most of the best', () => {
    const m = new InteractionModel();
    // 2,000 items all co-occurring with the shopper's one item, with distinct strengths
    for (let i = 0; i < 2000; i++)
      for (let k = 0; k <= i % 7; k++) {
        m.view(`u${i}-${k}`, 'seed', T0);
        m.view(`u${i}-${k}`, `i${i}`, T0);
      }
    m.view('s', 'seed', T0);
    const all = m.forYou('s', { limit: 2000 });
    expect(all).toHaveLength(2000);
    const onlyRare = (id: string) => Number(id.slice(1)) % 500 === 0; // 4 items pass
    expect(m.forYou('s', { limit: 4, accept: onlyRare }).map((r) => r.id)).toEqual(all.filter((r) => onlyRare(r.id)).map((r) => r.id));
    expect(m.forYou('s', { limit: 5 })).toEqual(all.slice(0, 5));
  });
});

describe('bulk loading', () => {
  it('builds the same model as event-by-event updates', async () => {
    const { random } = await import('../../recommender');
    const rand = random(5);
    const script: [string, string, string[], number, string | undefined][] = [];
    let at = T0;
    for (let i = 0; i < 4000; i++) {
      at += Math.floor(rand() * 40) * MIN;
      const user = `u${Math.floor(rand() * 60)}`;
      const item = () => `i${Math.floor(Math.pow(rand(), 2) * 120)}`;
      const r = rand();
      script.push(
        r < 0.7
          ? ['view', user, [item()], at, rand() < 0.5 ? `s${Math.floor(at / (45 * MIN))}` : undefined]
          : r < 0.85
            ? ['cartAdd', user, [item()], at, undefined]
            : ['purchase', user, [item(), item(), item()], at, undefined],
      );
    }
    const play = (m: InteractionModel) => {
      for (const [kind, user, items, t, visit] of script) {
        if (kind === 'view') m.view(user, items[0], t, visit);
        else if (kind === 'cartAdd') m.cartAdd(user, items[0], t);
        else m.purchase(user, items, t);
      }
    };
    const live = new InteractionModel();
    play(live);
    const bulk = new InteractionModel();
    bulk.beginBulk();
    play(bulk);
    bulk.endBulk();
    for (let i = 0; i < 120; i += 3) {
      expect(bulk.alsoBought(`i${i}`, { limit: 10 })).toEqual(live.alsoBought(`i${i}`, { limit: 10 }));
      expect(bulk.alsoViewed(`i${i}`, { limit: 10 })).toEqual(live.alsoViewed(`i${i}`, { limit: 10 }));
    }
    for (let u = 0; u < 60; u += 4) expect(bulk.forYou(`u${u}`, { limit: 10 })).toEqual(live.forYou(`u${u}`, { limit: 10 }));
    // and it goes on learning incrementally afterwards
    bulk.purchase('u1', ['i1', 'i2'], at + DAY);
    live.purchase('u1', ['i1', 'i2'], at + DAY);
    expect(bulk.alsoBought('i1', { limit: 10 })).toEqual(live.alsoBought('i1', { limit: 10 }));
  });

  it('loads however many interactions it was told to expect, even more than memory could hold', () => {
    for (const expected of [0, 3, 1e15]) {
      const m = new InteractionModel();
      m.beginBulk(expected);
      for (let i = 0; i < 3000; i++) m.purchase(`u${i % 50}`, ['kettle', `p${i % 7}`], T0 + i * MIN);
      m.endBulk();
      expect(m.interactions).toBe(6000);
      expect(m.purchased('u1')).toEqual(new Set(['kettle', 'p1', 'p3', 'p5', 'p0', 'p2', 'p4', 'p6']));
      expect(m.alsoBought('kettle', { limit: 7 })).toHaveLength(7);
    }
  });

  it('keeps a visit whole when its shopper was read in the middle of it', () => {
    const m = new InteractionModel();
    m.beginBulk();
    m.view('w', 'x', T0);
    m.view('u', 'a', T0 + MIN);
    expect(m.history('u')).toEqual(['a']); // plays u's first view now
    m.view('u', 'b', T0 + 2 * MIN);
    m.endBulk();
    expect(m.alsoViewed('a', { limit: 5, measure: 'count' })).toEqual([{ id: 'b', score: 1 }]);
    expect(m.alsoViewed('x', { limit: 5 })).toEqual([]);
  });

  // Live, an alias pairs the two histories' products as it moves them (an item both had is counted twice); in
  // bulk the histories are counted once, whole, at the end: for-you is compared on the script without aliases.
  it.each([true, false])('gives every shopper the same state as live updates, with carts, removals, ratings, reads (and aliases: %s)', async (aliases) => {
    const { random } = await import('../../recommender');
    const rand = random(9);
    type Step = { kind: 'view' | 'cartAdd' | 'cartRemove' | 'purchase' | 'rate' | 'alias' | 'read'; user: string; items: string[]; at: number };
    const script: Step[] = [];
    let at = T0;
    for (let i = 0; i < 5000; i++) {
      at += Math.floor(rand() * 20) * MIN;
      const user = `u${Math.floor(rand() * 40)}`;
      const item = () => `i${Math.floor(Math.pow(rand(), 2) * 60)}`;
      const r = rand();
      const kind = r < 0.5 ? 'view' : r < 0.65 ? 'cartAdd' : r < 0.75 ? 'cartRemove' : r < 0.85 ? 'purchase' : r < 0.9 ? 'rate' : r < 0.95 || !aliases ? 'read' : 'alias';
      // aliases tie anonymous visitors (a0..a9) to shoppers, who then go on under their own id
      const who = kind === 'alias' || rand() < 0.2 ? `a${Math.floor(rand() * 10)}` : user;
      script.push({ kind, user: who, items: kind === 'purchase' ? [item(), item(), item()] : kind === 'alias' ? [user] : [item()], at });
    }
    const state = (m: InteractionModel, user: string) => ({
      cart: [...m.cart(user)].sort(),
      purchased: [...m.purchased(user)].sort(),
      history: m.history(user),
      recent: m.recentlyViewed(user, { limit: 100 }),
    });
    const play = (m: InteractionModel, reads: unknown[]) => {
      for (const { kind, user, items, at: t } of script) {
        if (kind === 'view') m.view(user, items[0], t);
        else if (kind === 'cartAdd') m.cartAdd(user, items[0], t);
        else if (kind === 'cartRemove') m.cartRemove(user, items[0]);
        else if (kind === 'purchase') m.purchase(user, items, t);
        else if (kind === 'rate') m.rate(user, items[0], 2, t);
        else if (kind === 'alias') m.alias(user, items[0]);
        else reads.push(state(m, user));
      }
    };
    const liveReads: unknown[] = [];
    const live = new InteractionModel();
    play(live, liveReads);
    const bulkReads: unknown[] = [];
    const bulk = new InteractionModel();
    bulk.beginBulk();
    play(bulk, bulkReads);
    bulk.endBulk();
    expect(bulkReads.length).toBeGreaterThan(100);
    expect(bulkReads).toEqual(liveReads);
    const users = [...Array.from({ length: 40 }, (_, u) => `u${u}`), ...Array.from({ length: 10 }, (_, a) => `a${a}`)];
    for (const user of users) {
      expect(state(bulk, user)).toEqual(state(live, user));
      if (!aliases) expect(bulk.forYou(user, { limit: 10 })).toEqual(live.forYou(user, { limit: 10 }));
    }
    for (let i = 0; i < 60; i++) {
      expect(bulk.alsoViewed(`i${i}`, { limit: 10 })).toEqual(live.alsoViewed(`i${i}`, { limit: 10 }));
      expect(bulk.alsoBought(`i${i}`, { limit: 10 })).toEqual(live.alsoBought(`i${i}`, { limit: 10 }));
    }
    expect(users.some((u) => bulk.cart(u).size > 0)).toBe(true);
    expect(bulk.popular({ limit: 20 })).toEqual(live.popular({ limit: 20 }));
    expect(bulk.interactions).toBe(live.interactions);
  });
});

describe('the bound on what one visit, order or history costs', () => {
  /** 120 products viewed by one shopper in one visit, then ordered all at once; live or loaded in bulk. */
  function flood(bulk: boolean) {
    const m = new InteractionModel({ maxItemsPerVisit: 50, maxItemsPerOrder: 40, maxItemsPerHistory: 80 });
    if (bulk) m.beginBulk();
    const products = Array.from({ length: 120 }, (_, i) => `p${i}`);
    products.forEach((p, i) => m.view('flooder', p, T0 + i * 1000));
    m.purchase('flooder', products, T0 + 200_000);
    m.view('other', 'p0', T0);
    m.view('other', 'p1', T0 + 1000);
    m.purchase('other', ['p0', 'p1'], T0 + 2000);
    if (bulk) m.endBulk();
    return m;
  }

  for (const bulk of [false, true]) {
    it(`counts only the first products together, ${bulk ? 'loaded in bulk' : 'live'}`, () => {
      const m = flood(bulk);
      const ids = (recs: { id: string }[]) => recs.map((r) => r.id).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
      const first = (n: number, without: string) => Array.from({ length: n }, (_, i) => `p${i}`).filter((p) => p !== without);
      // Viewed together: the visit's first 50.
      expect(ids(m.alsoViewed('p0', { limit: 200, measure: 'count' }))).toEqual(first(50, 'p0'));
      expect(m.alsoViewed('p60', { limit: 200 })).toEqual([]);
      // Bought together: the order's first 40.
      expect(ids(m.alsoBought('p0', { limit: 200, measure: 'count' }))).toEqual(first(40, 'p0'));
      expect(m.alsoBought('p100', { limit: 200 })).toEqual([]);
      // Every product still counts for popularity.
      expect(m.popular({ limit: 200 }).map((r) => r.id)).toContain('p119');
    });
  }
});

describe('CachedRanking', () => {
  it('rebuilds a ranking of fewer than 10,000 items on every change, however slow its build', () => {
    let now = 0;
    const slow = new CachedRanking(
      () => {
        now += 50;
        return [now];
      },
      () => 9999,
      () => now,
    );
    const first = slow.get();
    slow.changed();
    expect(slow.get()).not.toBe(first);
  });

  it('rebuilds a cheap ranking on every change, and holds a costly one for a hundred times its cost', () => {
    let now = 0;
    let builds = 0;
    let cost = 0.1;
    const ranking = new CachedRanking(
      () => {
        builds++;
        now += cost;
        return [builds];
      },
      () => 10_000,
      () => now,
    );
    expect(ranking.get()).toEqual([1]);
    expect(ranking.get()).toEqual([1]);
    ranking.changed();
    expect(ranking.get()).toEqual([2]);
    cost = 5;
    ranking.changed();
    expect(ranking.get()).toEqual([3]);
    ranking.changed();
    now += 499;
    expect(ranking.get()).toEqual([3]);
    now += 2;
    expect(ranking.get()).toEqual([4]);
    // A build slowed to 100 ms (a collection, a busy machine) holds it for 5 s, not 10.
    cost = 100;
    ranking.changed();
    ranking.reset();
    expect(ranking.get()).toEqual([5]);
    ranking.changed();
    now += 5001;
    expect(ranking.get()).toEqual([6]);
    cost = 5;
    // Unchanged, it is never rebuilt however old; reset() rebuilds it at once.
    now += 10_000;
    expect(ranking.get()).toEqual([6]);
    ranking.changed();
    ranking.reset();
    expect(ranking.get()).toEqual([7]);
  });
});
