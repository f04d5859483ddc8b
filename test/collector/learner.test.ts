// The learner learns behind the acknowledgement, in slices: in order, waited for by what must count every
// event, never stopped by one event it cannot take.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../collector/domain/stored-event';
import { startServices, type Services } from '../../collector/services';
import { openStore } from '../../collector/store/open';
import type { Store } from '../../collector/store/store';

let store: Store;
let services: Services;
const logs: string[] = [];
beforeAll(async () => {
  store = openStore('sqlite::memory:');
  services = await startServices(store, { log: (m) => logs.push(m) });
});
afterAll(async () => {
  await services.stop();
  await store.close();
});

const T0 = Date.UTC(2026, 5, 1);
let seq = 0;
const view = (visitor: string, product: string): StoredEvent => {
  seq++;
  return {
    messageId: `m-${seq}`,
    type: 'track',
    event: 'Product Viewed',
    anonymousId: visitor,
    userId: null,
    sessionId: null,
    timestamp: T0 + seq,
    receivedAt: T0,
    properties: { product_id: product },
    context: {},
    traits: null,
  };
};
const views = (n: number, tag: string) => Array.from({ length: n }, (_, i) => view(`${tag}-${i % 500}`, `p-${tag}-${i}`));
const logged = () => services.learner.events.count({ measures: ['count'] })[0]?.count ?? 0;

describe('the learner', () => {
  it('is settled for the events given before, while more keep arriving', async () => {
    const before = logged();
    services.learner.learn(views(20_000, 'first'));
    let resolved = false;
    const settled = services.learner.settled().then(() => (resolved = true));
    // More arrive all the time, until the first are settled.
    const feed = () => {
      if (resolved) return;
      services.learner.learn(views(200, `more-${seq}`));
      setImmediate(feed);
    };
    feed();
    await settled;
    expect(logged() - before).toBeGreaterThanOrEqual(20_000);
    await services.learner.settled();
  }, 120_000);

  it('goes on past an event it cannot take, and says which', async () => {
    const broken = { ...view('v', 'p'), properties: null } as unknown as StoredEvent;
    const after = view('after-broken', 'p-after');
    const before = logged();
    services.learner.learn([broken, after]);
    await services.learner.settled();
    expect(logs.some((m) => m.includes(broken.messageId))).toBe(true);
    expect(logged() - before).toBeGreaterThanOrEqual(1);
    expect(services.learner.interactions.history('after-broken')).toEqual(['p-after']);
  });
});
