// @vitest-environment happy-dom
// A bounded queue that says what it dropped, Retry-After honoured, and a flush when the browser is back online.
import 'fake-indexeddb/auto';
import { keys } from 'idb-keyval';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, fakeCollector, freshStore, patron, wait } from './helpers';

beforeEach(() => window.localStorage.clear());

describe('the bounded queue', () => {
  it('drops the oldest events past the cap and sends the count with the next batch', async () => {
    const store = freshStore();
    const down = fakeCollector(Array(100).fill('network-error'));
    const first = patron({ fetch: down.fetch, idbStore: store, maxQueueEvents: 5, flushInterval: 60_000, maxRetryDelay: 60_000 });
    await first.ready();
    for (let i = 0; i < 8; i++) first.track(`E${i}`);
    await eventually(async () => expect(await keys(store)).toHaveLength(5));
    first.destroy();

    const up = fakeCollector();
    const second = patron({ fetch: up.fetch, idbStore: store, flushInterval: 60_000 });
    await second.ready();
    await second.flush();
    const body = JSON.parse(String(up.requests[0].init!.body));
    expect(body.batch.map((e: any) => e.event)).toEqual(['E3', 'E4', 'E5', 'E6', 'E7']);
    expect(body.dropped).toBe(3);
    second.track('After');
    await second.flush();
    expect(JSON.parse(String(up.requests[1].init!.body)).dropped).toBeUndefined(); // counted once
    second.destroy();
  });

  it('caps the bytes waiting too', async () => {
    const store = freshStore();
    const down = fakeCollector(Array(100).fill('network-error'));
    const p = patron({ fetch: down.fetch, idbStore: store, maxQueueBytes: 20_000, flushInterval: 60_000, maxRetryDelay: 60_000 });
    await p.ready();
    for (let i = 0; i < 10; i++) p.track('Big', { text: 'b'.repeat(5000) });
    await eventually(async () => expect((await keys(store)).length).toBeLessThanOrEqual(3));
    expect(Number(window.localStorage.getItem('patron.dropped'))).toBeGreaterThanOrEqual(7);
    p.destroy();
  });
});

describe('retries', () => {
  it('waits at least as long as Retry-After asks', async () => {
    const c = fakeCollector([{ status: 429, body: { error: {} }, headers: { 'Retry-After': '1' } }, 200]);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), baseRetryDelay: 10 });
    await p.ready();
    p.track('Limited');
    await eventually(() => expect(c.batches).toHaveLength(1));
    const [a, b] = c.requests.filter((r) => r.url.endsWith('/v1/batch'));
    expect(b.at - a.at).toBeGreaterThanOrEqual(950);
    p.destroy();
  });

  it('sends at once when the browser comes back online', async () => {
    const c = fakeCollector(['network-error', 200]);
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), baseRetryDelay: 60_000 });
    await p.ready();
    p.track('Offline');
    await p.flush();
    expect(c.batches).toHaveLength(0);
    window.dispatchEvent(new Event('online'));
    await eventually(() => expect(c.batches).toHaveLength(1)); // long before the 60 s retry
    await wait(10);
    p.destroy();
  });
});
