import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, catalog, event, get, ordered, post, put, startCollector, viewed, type Running } from './helpers';

const ids = ['camera', 'card', 'bag', 'tripod', 'lens', 'strap', 'sold-out'];

async function seed(c: Running) {
  expect((await put(`${c.url}/v1/catalog/items`, catalog(ids, { 'sold-out': { in_stock: false } }))).body).toEqual({ upserted: ids.length });
  const batch = [
    ordered(['camera', 'card', 'bag'], 'a'),
    ordered(['camera', 'card'], 'b'),
    ordered(['camera', 'tripod'], 'c'),
    ordered(['camera', 'sold-out'], 'd'),
    ordered(['camera', 'sold-out'], 'e'),
    ordered(['camera', 'sold-out'], 'f'),
    ordered(['lens'], 'g'),
    ordered(['lens'], 'h'),
    viewed('lens', 'v1'),
    viewed('strap', 'v1'),
    viewed('lens', 'v2'),
    viewed('strap', 'v2'),
  ];
  expect((await post(`${c.url}/v1/batch`, { batch })).body.accepted).toBe(batch.length);
}

let c: Running;
beforeAll(async () => {
  c = await startCollector();
  await seed(c);
});
afterAll(() => c.stop());

const recs = async (query: string) => get(`${c.url}/v1/recommendations?${query}`);

describe('GET /v1/recommendations', () => {
  it('also-bought: items from the same orders with display data, never the anchor nor an out-of-stock item', async () => {
    const res = await recs('strategy=also-bought&item=camera&limit=3');
    expect(res.status).toBe(200);
    expect(res.body.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.strategy).toBe('also-bought');
    // camera is in 6 orders; card in 2 of them (jaccard 2/6), bag and tripod in 1 (1/6); sold-out is skipped
    expect(res.body.items.map((i: any) => i.id)).toEqual(['card', 'bag', 'tripod']);
    expect(res.body.items[0]).toMatchObject({ id: 'card', name: 'Product card', url: '/p/card', price: 10, currency: 'EUR', position: 0, source: 'also-bought' });
    expect(res.body.items[0].score).toBeCloseTo(2 / 6);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('fills a cold item’s slot with best sellers (popularity fallback)', async () => {
    const res = await recs('strategy=also-bought&item=strap&limit=4');
    expect(res.body.items.every((i: any) => i.source === 'popular')).toBe(true);
    const out = res.body.items.map((i: any) => i.id);
    expect(out[0]).toBe('camera');
    expect(out).not.toContain('strap');
    expect(out).not.toContain('sold-out');
  });

  it('also-viewed: items viewed in the same visit', async () => {
    const res = await recs('strategy=also-viewed&item=lens&limit=1');
    expect(res.body.items).toMatchObject([{ id: 'strap', source: 'also-viewed' }]);
  });

  it('for-you: follows the visitor’s own history (SAR) and leaves out what they have seen', async () => {
    await post(`${c.url}/v1/batch`, { batch: [viewed('card', 'shopper')] });
    const res = await recs('strategy=for-you&anonymousId=shopper&limit=2');
    // card co-occurs (per shopper) with camera and bag: camera in 6 histories, bag in 1
    const out = res.body.items.map((i: any) => i.id);
    expect(res.body.items[0].source).toBe('for-you');
    expect(out).not.toContain('card');
    expect(new Set(out)).toEqual(new Set(['camera', 'bag']));
  });

  it('takes the similarity measure per request', async () => {
    // count: card (2) before bag and tripod (1); lift: card 2/(6*2), bag 1/(6*1), tripod 1/(6*1) all tie
    const count = await recs('strategy=also-bought&item=camera&limit=3&similarity=count');
    expect(count.body.items.map((i: any) => i.score)).toEqual([2, 1, 1]);
    const lift = await recs('strategy=also-bought&item=camera&limit=3&similarity=lift');
    for (const item of lift.body.items) expect(item.score).toBeCloseTo(1 / 6);
  });

  it('validates its query and its key', async () => {
    const missing = await recs('strategy=also-bought');
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues).toEqual([{ path: 'item', message: 'is required for this strategy' }]);
    const badStrategy = await recs('strategy=magic');
    expect(badStrategy.body.error.issues[0].path).toBe('strategy');
    expect((await recs('strategy=popular&limit=0')).status).toBe(400);
    expect((await get(`${c.url}/v1/recommendations?strategy=popular`, null)).status).toBe(401);
    // the write key may travel in the query, so a browser needs no preflight
    expect((await get(`${c.url}/v1/recommendations?strategy=popular&writeKey=${KEYS.write[0]}`, null)).status).toBe(200);
  });
});

describe('catalog', () => {
  it('requires the admin key and validates items', async () => {
    expect((await put(`${c.url}/v1/catalog/items`, catalog(['x']), KEYS.write[0])).status).toBe(401);
    const bad = await put(`${c.url}/v1/catalog/items`, { items: [{ id: 'x', price: -1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: any) => i.path).sort()).toEqual(['items.0.name', 'items.0.price']);
  });

  it('takes effect at once: an item marked out of stock is no longer served', async () => {
    await put(`${c.url}/v1/catalog/items`, catalog(['card'], { card: { in_stock: false } }));
    const res = await recs('strategy=also-bought&item=camera&limit=3');
    expect(res.body.items.map((i: any) => i.id)).not.toContain('card');
    await put(`${c.url}/v1/catalog/items`, catalog(['card']));
  });
});

describe('identity', () => {
  it('ties an anonymous history to the user, so another device sees recommendations from it', async () => {
    await post(`${c.url}/v1/batch`, { batch: [viewed('lens', 'phone-anon'), event({ type: 'identify', anonymousId: 'phone-anon', userId: 'alice' })] });
    const res = await recs('strategy=for-you&userId=alice&limit=1');
    expect(res.body.items[0]).toMatchObject({ id: 'strap', source: 'for-you' });
    // a second device, once identified as alice, gets the same
    await post(`${c.url}/v1/batch`, { batch: [event({ type: 'identify', anonymousId: 'laptop-anon', userId: 'alice' })] });
    const laptop = await recs('strategy=for-you&anonymousId=laptop-anon&limit=1');
    expect(laptop.body.items[0]).toMatchObject({ id: 'strap', source: 'for-you' });
  });
});

describe('a userId not seen yet', () => {
  it('does not hide the visitor’s anonymous history (identify still on its way)', async () => {
    await post(`${c.url}/v1/batch`, { batch: [viewed('lens', 'racing-anon')] });
    const res = await recs('strategy=for-you&anonymousId=racing-anon&userId=not-yet-known&limit=1');
    expect(res.body.items[0]).toMatchObject({ id: 'strap', source: 'for-you' });
  });
});

describe('restart', () => {
  it('rebuilds the models from the stored events', async () => {
    const before = (await recs('strategy=also-bought&item=camera&limit=3')).body.items.map((i: any) => i.id);
    const dir = c.dir;
    await c.stop();
    c = await startCollector({}, dir);
    const after = (await recs('strategy=also-bought&item=camera&limit=3')).body.items.map((i: any) => i.id);
    expect(after).toEqual(before);
  });
});
