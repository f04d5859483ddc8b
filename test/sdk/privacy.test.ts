// @vitest-environment happy-dom
// Consent (granted, pending, denied), Global Privacy Control and Do Not Track, and anonymous mode.
import 'fake-indexeddb/auto';
import { keys } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, fakeCollector, freshStore, patron, wait } from './helpers';

beforeEach(() => {
  window.localStorage.clear();
  window.sessionStorage.clear();
});
afterEach(() => {
  delete (navigator as any).globalPrivacyControl;
});

describe('consent', () => {
  it('pending keeps events in memory only, and sends them once granted', async () => {
    const store = freshStore();
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: store, consent: 'pending' });
    await p.ready();
    p.productViewed({ product_id: 'SKU-1' });
    await p.flush();
    await wait(30);
    expect(c.batches).toHaveLength(0);
    expect(await keys(store)).toHaveLength(0); // not even in IndexedDB
    expect(p.consent()).toBe('pending');
    p.consent('granted');
    await p.flush();
    expect(c.sent().map((e) => e.event)).toEqual(['Product Viewed']);
    expect(window.localStorage.getItem('patron.consent')).toBe('granted');
    p.destroy();
  });

  it('denied sends nothing and forgets the visitor', async () => {
    const store = freshStore();
    const c = fakeCollector(Array(10).fill('network-error'));
    const p = patron({ fetch: c.fetch, idbStore: store });
    await p.ready();
    p.identify('user-1');
    p.track('Queued');
    await p.flush();
    expect(window.localStorage.getItem('patron.aid')).not.toBeNull();
    p.consent('denied');
    p.track('After denial');
    expect(window.localStorage.getItem('patron.aid')).toBeNull();
    expect(window.localStorage.getItem('patron.uid')).toBeNull();
    await eventually(async () => expect(await keys(store)).toHaveLength(0)); // the queue is cleared, not just left
    expect(p.anonymousId()).toBe('');
    // reads carry no identifier either
    const seen = fakeCollector();
    const q = patron({ fetch: seen.fetch, idbStore: freshStore() });
    expect(q.consent()).toBe('denied'); // the choice is remembered
    await q.recommendations({ strategy: 'popular' });
    expect(new URL(seen.requests[0].url).searchParams.has('anonymousId')).toBe(false);
    p.destroy();
    q.destroy();
  });

  it('denied forgets what was waiting to be sent: granted again later, it sends only what comes after', async () => {
    const c = fakeCollector(Array(5).fill('network-error'));
    const p = patron({ fetch: c.fetch, idbStore: freshStore() });
    await p.ready();
    p.track('Before denial');
    await p.flush(); // refused: it waits in the queue
    p.consent('denied');
    p.consent('granted');
    p.track('After granting');
    await eventually(async () => {
      await p.flush();
      expect(c.sent().map((e) => e.event)).toEqual(['After granting']);
    });
    p.destroy();
  });

  it('honours Global Privacy Control by default, until the visitor grants consent', async () => {
    (navigator as any).globalPrivacyControl = true;
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: freshStore() });
    expect(p.consent()).toBe('denied');
    p.track('Ignored');
    await p.flush();
    expect(c.batches).toHaveLength(0);
    p.consent('granted');
    p.track('Counted');
    await p.flush();
    expect(c.sent().map((e) => e.event)).toEqual(['Counted']);
    p.destroy();
    window.localStorage.clear();
    const relaxed = patron({ fetch: c.fetch, idbStore: freshStore(), honorPrivacySignals: false });
    expect(relaxed.consent()).toBe('granted');
    relaxed.destroy();
  });
});

describe('anonymous mode', () => {
  it('sends no userId and keeps no identifier beyond the visit', async () => {
    const c = fakeCollector();
    const p = patron({ fetch: c.fetch, idbStore: freshStore(), anonymous: true, sessionStorage: window.sessionStorage });
    p.identify('user-9', { email: 'x@y.z' });
    p.track('Browse');
    await p.flush();
    const [event] = c.sent();
    expect(event.event).toBe('Browse');
    expect(event.userId).toBeUndefined();
    expect(c.sent().some((e) => e.type === 'identify')).toBe(false);
    expect(window.localStorage.getItem('patron.aid')).toBeNull();
    expect(window.sessionStorage.getItem('patron.aid')).toBe(event.anonymousId);
    p.destroy();
  });
});
