import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, catalog, event, get, ordered, post, put, startCollector, viewed, type Running } from './helpers';

let c: Running;
const admin = { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' };

async function putSlot(name: string, body: unknown) {
  const res = await fetch(`${c.url}/v1/slots/${name}`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
const slot = async (query: string) => (await get(`${c.url}/v1/recommendations?${query}`)).body;
const idsOf = (body: any) => body.items.map((i: any) => i.id);

beforeAll(async () => {
  c = await startCollector();
  await put(
    `${c.url}/v1/catalog/items`,
    catalog(['grinder', 'beans', 'kettle', 'filter', 'mug', 'book', 'lamp'], {
      grinder: { category: 'kitchen', price: 120 },
      beans: { category: 'coffee', price: 12 },
      kettle: { category: 'kitchen', price: 60, attributes: { brand: 'north' } },
      filter: { category: 'kitchen', price: 5 },
      mug: { category: 'home', price: 15 },
      book: { category: 'books', price: 25 },
      lamp: { category: 'home', price: 80 },
    }),
  );
  await post(`${c.url}/v1/batch`, {
    batch: [
      ordered(['grinder', 'beans', 'kettle'], 'o1'),
      ordered(['grinder', 'beans', 'filter'], 'o2'),
      ordered(['grinder', 'kettle'], 'o3'),
      ordered(['grinder', 'mug'], 'o4'),
      ordered(['book'], 'o5'),
      ordered(['book'], 'o6'),
      ordered(['lamp'], 'o7'),
    ],
  });
});
afterAll(() => c.stop());

describe('slot CRUD', () => {
  it('creates, reads, lists, replaces and deletes slots with the admin key', async () => {
    const created = await putSlot('pdp-also-bought', { strategy: 'also-bought', limit: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'pdp-also-bought', strategy: 'also-bought', limit: 3, fallback: ['also-bought', 'also-viewed', 'popular'], filters: { inStockOnly: true } });
    expect((await putSlot('pdp-also-bought', { strategy: 'also-bought', limit: 2 })).status).toBe(200);
    const one = await fetch(`${c.url}/v1/slots/pdp-also-bought`, { headers: admin });
    expect((await one.json()).limit).toBe(2);
    const list = await (await fetch(`${c.url}/v1/slots`, { headers: admin })).json();
    expect(list.slots.map((s: any) => s.name)).toContain('pdp-also-bought');
    expect((await fetch(`${c.url}/v1/slots/pdp-also-bought`, { method: 'DELETE', headers: admin })).status).toBe(204);
    expect((await fetch(`${c.url}/v1/slots/pdp-also-bought`, { headers: admin })).status).toBe(404);
    expect((await fetch(`${c.url}/v1/slots/pdp-also-bought`, { method: 'DELETE', headers: admin })).status).toBe(404);
  });

  it('validates the configuration and names the field, including misspelt ones', async () => {
    const bad = await putSlot('home', { strategy: 'magic', limit: 0, boosterz: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: any) => i.path).sort()).toEqual(['(root)', 'limit', 'strategy']);
    expect(bad.body.error.issues.find((i: any) => i.path === '(root)').message).toMatch(/boosterz/);
    const range = await putSlot('home', { strategy: 'popular', filters: { priceMin: 50, priceMax: 10 } });
    expect(range.body.error.issues[0].path).toBe('filters.priceMin');
    const booster = await putSlot('home', { strategy: 'popular', boosters: [{ weight: 2 }] });
    expect(booster.body.error.issues[0].path).toBe('boosters.0.category');
    expect((await putSlot('Bad Name!', { strategy: 'popular' })).status).toBe(400);
    const writeKey = await fetch(`${c.url}/v1/slots/home`, { method: 'PUT', headers: { ...admin, authorization: `Bearer ${KEYS.write[0]}` }, body: '{"strategy":"popular"}' });
    expect(writeKey.status).toBe(401);
  });
});

describe('serving a slot', () => {
  it('applies the slot’s configuration, and a change takes effect on the next request', async () => {
    await putSlot('cart-complete', { strategy: 'also-bought', limit: 3, filters: { categoryIn: ['kitchen', 'coffee'] } });
    const first = await slot('slot=cart-complete&item=grinder');
    expect(first.slot).toBe('cart-complete');
    expect(first.strategy).toBe('also-bought');
    expect(idsOf(first)).toEqual(['beans', 'kettle', 'filter']);
    await putSlot('cart-complete', { strategy: 'also-bought', limit: 3, filters: { categoryIn: ['kitchen'] }, pinned: [{ item: 'lamp', position: 0 }] });
    const second = await slot('slot=cart-complete&item=grinder');
    expect(second.items.map((i: any) => `${i.id}:${i.source}`)).toEqual(['lamp:pinned', 'kettle:also-bought', 'filter:also-bought']);
  });

  it('boosts and caps categories', async () => {
    await putSlot('home-mix', { strategy: 'popular', limit: 4, maxPerCategory: 1, boosters: [{ category: 'books', weight: 10 }] });
    const body = await slot('slot=home-mix');
    expect(idsOf(body)[0]).toBe('book');
    const categories = body.items.map((i: any) => i.category);
    expect(new Set(categories).size).toBe(categories.length);
  });

  it('falls back through the chain on a cold item, so the slot is never empty', async () => {
    await putSlot('pdp', { strategy: 'also-bought', limit: 3 });
    const body = await slot('slot=pdp&item=lamp'); // nobody bought the lamp with anything
    expect(body.items).toHaveLength(3);
    expect(body.items.every((i: any) => i.source === 'popular')).toBe(true);
    expect(idsOf(body)).not.toContain('lamp');
  });

  it('never serves a deleted product again, not even from a fallback or a pin', async () => {
    await putSlot('pdp-pinned', { strategy: 'also-bought', limit: 6, pinned: [{ item: 'mug', position: 0 }] });
    expect(idsOf(await slot('slot=pdp-pinned&item=grinder'))).toContain('mug');
    const del = await fetch(`${c.url}/v1/catalog/items/mug`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(204);
    for (const q of ['slot=pdp-pinned&item=grinder', 'slot=pdp-pinned&item=lamp', 'strategy=popular&limit=20', 'strategy=trending&limit=20']) {
      expect(idsOf(await slot(q))).not.toContain('mug');
    }
    expect((await fetch(`${c.url}/v1/catalog/items/mug`, { method: 'DELETE', headers: admin })).status).toBe(404);
  });

  it('answers 404 for an unknown slot, and serves slots named after a strategy without configuration', async () => {
    const unknown = await get(`${c.url}/v1/recommendations?slot=nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.issues[0].path).toBe('slot');
    expect((await slot('slot=popular&limit=2')).items).toHaveLength(2);
  });

  it('excludes what the shopper bought and what is in the cart, as the collector saw them', async () => {
    await post(`${c.url}/v1/batch`, {
      batch: [ordered(['beans'], 'shopper-x'), event({ type: 'track', event: 'Product Added', anonymousId: 'shopper-x', properties: { product_id: 'kettle' } })],
    });
    await putSlot('for-shopper', { strategy: 'also-bought', limit: 5, filters: { excludePurchased: true, excludeCart: true }, fallback: [] });
    const body = await slot('slot=for-shopper&item=grinder&anonymousId=shopper-x');
    expect(idsOf(body)).not.toContain('beans');
    expect(idsOf(body)).not.toContain('kettle');
    expect(idsOf(body)).toContain('filter');
    // the page may name its cart too
    expect(idsOf(await slot('slot=for-shopper&item=grinder&anonymousId=shopper-x&cart=filter'))).not.toContain('filter');
  });

  it('serves recently viewed, trending and segment best sellers', async () => {
    await post(`${c.url}/v1/batch`, { batch: [viewed('book', 'browser-r'), viewed('lamp', 'browser-r')] });
    await putSlot('recent', { strategy: 'recently-viewed', limit: 2, fallback: [] });
    expect(idsOf(await slot('slot=recent&anonymousId=browser-r'))).toEqual(['lamp', 'book']);
    await putSlot('hot', { strategy: 'trending', limit: 3, fallback: [] });
    expect((await slot('slot=hot')).items.length).toBeGreaterThan(0);
    await c.app.patron.refits.refit();
    await putSlot('my-segment', { strategy: 'segment-top', limit: 2, fallback: [] });
    const top = await slot('slot=my-segment&anonymousId=o1');
    expect(top.items.length).toBeGreaterThan(0);
    expect(top.items[0].source).toBe('segment-top');
  });
});

describe('slots survive a restart', () => {
  it('keeps slots in the store', async () => {
    await putSlot('kept', { strategy: 'popular', limit: 1 });
    const dir = c.dir;
    await c.stop();
    c = await startCollector({}, dir);
    expect(((await slot('slot=kept')).items as unknown[]).length).toBe(1);
  });
});
