// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { keys } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BEACON_BYTES } from '../../sdk/queue';
import { eventually, fakeCollector, freshStore, patron, wait } from './helpers';

beforeEach(() => window.localStorage.clear());
afterEach(() => vi.restoreAllMocks());

describe('the durable queue', () => {
  it('survives a reload: events the collector never got are sent by the next page', async () => {
    const store = freshStore();
    const down = fakeCollector(Array(50).fill('network-error'));
    const first = patron({ fetch: down.fetch, idbStore: store });
    await first.ready();
    first.productViewed({ product_id: 'SKU-1' });
    first.productAdded({ product_id: 'SKU-1' });
    first.track('Checkout Started');
    await first.flush();
    expect(down.batches).toHaveLength(0);
    expect(await keys(store)).toHaveLength(3);
    first.destroy(); // the page goes away without a beacon (a crash, a killed tab)

    const up = fakeCollector();
    const second = patron({ fetch: up.fetch, idbStore: store });
    await second.ready();
    await second.flush();
    expect(up.sent().map((e) => e.event)).toEqual(['Product Viewed', 'Product Added', 'Checkout Started']);
    expect(await keys(store)).toHaveLength(0);
    second.destroy();
  });

  it('batches by size and by time', async () => {
    const c = fakeCollector();
    const store = freshStore();
    const p = patron({ fetch: c.fetch, idbStore: store, flushAt: 3, flushInterval: 60_000 });
    await p.ready();
    p.track('A');
    p.track('B');
    await eventually(async () => expect(await keys(store)).toHaveLength(2)); // the queue has taken both
    expect(c.batches).toHaveLength(0); // below flushAt and long before flushInterval
    p.track('C');
    await eventually(() => expect(c.batches).toHaveLength(1));
    expect(c.batches[0].map((e) => e.event)).toEqual(['A', 'B', 'C']);
    p.destroy();

    const timed = fakeCollector();
    const q = patron({ fetch: timed.fetch, idbStore: freshStore(), flushAt: 100, flushInterval: 30 });
    await q.ready();
    q.track('D');
    await eventually(() => expect(timed.batches).toHaveLength(1));
    q.destroy();
  });

  it('retries network errors, 5xx and 429 with growing delays, and delivers once', async () => {
    const c = fakeCollector(['network-error', 503, 429, 200]);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), baseRetryDelay: 20 });
    await p.ready();
    p.track('Order Completed', { order_id: 'o1', products: [{ product_id: 'SKU-1' }] });
    await eventually(() => expect(c.batches).toHaveLength(1));
    const posts = c.requests.filter((r) => r.url.endsWith('/v1/batch'));
    expect(posts).toHaveLength(4);
    const gaps = posts.slice(1).map((r, i) => r.at - posts[i].at);
    // random() = 1 gives the full delay: 20, 40, 80 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
    expect(c.sent()).toHaveLength(1);
    p.destroy();
  });

  it('keeps each request within the collector’s 500 KB, however large the events (a 413 would lose them)', async () => {
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), flushAt: 1000, flushInterval: 60_000 });
    await p.ready();
    // 60 events of about 8,000 characters, most of them 3 bytes of UTF-8 each (22 KB an event): 1.3 MB in all.
    for (let i = 0; i < 60; i++) p.track('Large', { i, note: '€'.repeat(7000) + 'x'.repeat(1000) });
    await p.flush();
    await eventually(() => expect(c.sent()).toHaveLength(60));
    const posts = c.requests.filter((r) => r.url.endsWith('/v1/batch'));
    expect(posts.length).toBeGreaterThanOrEqual(3);
    for (const post of posts) expect(Buffer.byteLength(String(post.init!.body))).toBeLessThanOrEqual(500 * 1024);
    expect(c.sent().map((e) => e.properties!.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    p.destroy();
  });

  it('never retries a 400: the batch is dropped from memory and IndexedDB', async () => {
    const store = freshStore();
    const c = fakeCollector([400, 200]);
    const p = patron({ fetch: c.fetch, idbStore: store });
    await p.ready();
    p.track('Broken');
    await p.flush();
    await wait(60); // a retry would have been due after 10 ms (baseRetryDelay): it fires before this
    expect(c.requests.filter((r) => r.url.endsWith('/v1/batch'))).toHaveLength(1);
    await eventually(async () => expect(await keys(store)).toHaveLength(0));
    p.destroy();
  });

  it('sends with the write key in a text/plain body, so the browser needs no CORS preflight', async () => {
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: freshStore() });
    await p.ready();
    p.page('Home');
    await p.flush();
    const { url, init } = c.requests[0];
    expect(url).toBe('http://collector.test/v1/batch');
    // No header of its own, and a string body: the browser sends it as text/plain, a request without preflight.
    expect(init!.headers).toBeUndefined();
    expect(typeof init!.body).toBe('string');
    expect(new Request(url, init).headers.get('Content-Type')).toMatch(/^text\/plain/);
    const body = JSON.parse(String(init!.body));
    expect(body.writeKey).toBe('pk_test');
    expect(body.batch[0]).toMatchObject({ type: 'page', name: 'Home', anonymousId: p.anonymousId(), context: { library: { name: 'patron.js' } } });
    expect(body.batch[0].messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.batch[0].context.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    p.destroy();
  });
});

describe('leaving the page', () => {
  it('flushes the queue with sendBeacon on pagehide', async () => {
    const store = freshStore();
    const beacons: { url: string; body: string }[] = [];
    const sendBeacon = (url: string, body: string) => {
      beacons.push({ url, body });
      return true;
    };
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: store, sendBeacon, flushInterval: 60_000 });
    await p.ready();
    p.productViewed({ product_id: 'SKU-9' });
    p.track('Product Clicked', { product_id: 'SKU-10' });
    window.dispatchEvent(new Event('pagehide'));
    await eventually(() => expect(beacons).toHaveLength(1));
    const body = JSON.parse(beacons[0].body);
    expect(beacons[0].url).toBe('http://collector.test/v1/batch');
    expect(body.writeKey).toBe('pk_test');
    expect(body.batch.map((e: any) => e.event)).toEqual(['Product Viewed', 'Product Clicked']);
    await eventually(async () => expect(await keys(store)).toHaveLength(0));
    expect(c.batches).toHaveLength(0);
    p.destroy();
  });

  it('splits beacons under the 64 KB limit and keeps what the browser refuses', async () => {
    const store = freshStore();
    const sizes: number[] = [];
    let accepted = 0;
    const sendBeacon = (_url: string, data: string) => {
      if (accepted === 2) return false; // the browser's beacon quota is exhausted
      accepted++;
      sizes.push(new Blob([data]).size); // bytes, as the browser counts them
      return true;
    };
    const p = patron({ fetch: fakeCollector().fetch, idbStore: store, sendBeacon, flushAt: 1000, flushInterval: 60_000 });
    await p.ready();
    for (let i = 0; i < 40; i++) p.track('Note', { text: 'z'.repeat(4000) });
    document.dispatchEvent(new Event('visibilitychange')); // still visible: nothing happens
    expect(sizes).toHaveLength(0);
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    expect(sizes).toHaveLength(2);
    for (const size of sizes) expect(size).toBeLessThan(64 * 1024);
    expect(sizes[0]).toBeGreaterThan(BEACON_BYTES * 0.8);
    // 40 events of ~4.3 KB: 13 fit in each beacon; the 14 refused stay queued for the next page
    await eventually(async () => expect(await keys(store)).toHaveLength(14));
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    p.destroy();
  });
});

describe('identity', () => {
  it('keeps the anonymous id across visits and adds the userId after identify', async () => {
    const c = fakeCollector();
    const a = patron({ fetch: c.fetch, idbStore: freshStore() });
    const b = patron({ fetch: c.fetch, idbStore: freshStore() });
    expect(b.anonymousId()).toBe(a.anonymousId());
    b.identify('user-7', { email: 'x@y.z' });
    b.track('After');
    await b.flush();
    const [identify, after] = c.sent();
    expect(identify).toMatchObject({ type: 'identify', userId: 'user-7', anonymousId: a.anonymousId(), traits: { email: 'x@y.z' } });
    expect(after.userId).toBe('user-7');
    b.reset();
    expect(b.userId()).toBeNull();
    expect(b.anonymousId()).not.toBe(a.anonymousId());
    a.destroy();
    b.destroy();
  });

  it('throws only for plain API misuse', () => {
    const p = patron({ fetch: fakeCollector().fetch, idbStore: freshStore() });
    expect(() => p.track('')).toThrow(/event name/);
    expect(() => p.identify('')).toThrow(/userId/);
    p.destroy();
  });
});
