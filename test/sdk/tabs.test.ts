// @vitest-environment happy-dom
// Several tabs of one browser share one IndexedDB queue: no event is sent twice, none is left behind.
import 'fake-indexeddb/auto';
import { keys } from 'idb-keyval';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { eventually, fakeCollector, fakeLocks, freshStore, patron } from './helpers';

beforeEach(() => window.localStorage.clear());

describe('several tabs', () => {
  it('never send the same queued event twice', async () => {
    const store = freshStore();
    const locks = fakeLocks();
    const collector = fakeCollector();
    const tabs = [1, 2, 3].map(() => patron({ fetch: collector.fetch, idbStore: store, locks, flushInterval: 10 }));
    await Promise.all(tabs.map((t) => t.ready()));
    for (let i = 0; i < 30; i++) tabs[i % 3].track(`Event ${i}`);
    await Promise.all(tabs.map((t) => t.flush()));
    for (const t of tabs) await (t as any).ready(); // let adoption rounds run
    // Every event delivered and gone from the shared queue: none is left for a tab to send again.
    await eventually(async () => {
      expect(collector.sent().length).toBeGreaterThanOrEqual(30);
      expect(await keys(store)).toHaveLength(0);
    });
    const ids = collector.sent().map((e) => e.messageId);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    tabs.forEach((t) => t.destroy());
  });

  it('sends the events of a tab that closed from another tab', async () => {
    const store = freshStore();
    const locks = fakeLocks();
    const down = fakeCollector(Array(100).fill('network-error'));
    const closing = patron({ fetch: down.fetch, idbStore: store, locks });
    await closing.ready();
    closing.productViewed({ product_id: 'SKU-1' });
    closing.productAdded({ product_id: 'SKU-1' });
    await closing.flush();
    const up = fakeCollector();
    const other = patron({ fetch: up.fetch, idbStore: store, locks });
    await other.ready();
    await other.flush();
    expect(up.sent()).toHaveLength(0); // the first tab is alive: its events are its own
    closing.destroy(); // the tab closes without a beacon; its lock goes with it
    await (other as any).ready();
    // The other tab finds the orphans at its next adoption round (every 5 s).
    await vi.waitFor(
      async () => {
        await (other as unknown as { flush(): Promise<void> }).flush();
        expect(up.sent().map((e) => e.event)).toEqual(['Product Viewed', 'Product Added']);
      },
      { timeout: 60_000, interval: 200 },
    );
    await eventually(async () => expect(await keys(store)).toHaveLength(0));
    other.destroy();
  }, 120_000);

  it('without Web Locks, sends what another tab queued (it cannot tell that tab alive from gone), each event with its one messageId', async () => {
    const store = freshStore();
    const down = fakeCollector(Array(100).fill('network-error'));
    const first = patron({ fetch: down.fetch, idbStore: store }); // happy-dom has no navigator.locks
    await first.ready();
    first.productViewed({ product_id: 'SKU-9' });
    await first.flush();
    const up = fakeCollector();
    const second = patron({ fetch: up.fetch, idbStore: store });
    await second.ready();
    await eventually(async () => {
      await second.flush();
      expect(up.sent().map((e) => e.properties?.product_id)).toEqual(['SKU-9']);
    });
    // The collector stores it once by its messageId, whichever tab sends it.
    expect(new Set(up.sent().map((e) => e.messageId)).size).toBe(1);
    first.destroy();
    second.destroy();
  });

  it('lets only one of two tabs that open together adopt what a closed page left', async () => {
    const store = freshStore();
    const locks = fakeLocks();
    const down = fakeCollector(Array(100).fill('network-error'));
    const gone = patron({ fetch: down.fetch, idbStore: store, locks });
    await gone.ready();
    for (let i = 0; i < 10; i++) gone.track(`Left ${i}`);
    await gone.flush();
    gone.destroy();
    const up = fakeCollector();
    const [a, b] = [patron({ fetch: up.fetch, idbStore: store, locks }), patron({ fetch: up.fetch, idbStore: store, locks })];
    await Promise.all([a.ready(), b.ready()]);
    await Promise.all([a.flush(), b.flush()]);
    const ids = up.sent().map((e) => e.messageId);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    a.destroy();
    b.destroy();
  });
});
