// Retention: events older than the shop keeps them are removed, and the models follow: a pair bought together only
// in removed orders is recommended no more, a person with nothing left is unknown, and one with newer events keeps
// them. The run is in the audit log.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, catalog, event, get, post, put, startCollector, type Running } from './helpers';

const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
const order = (anonymousId: string, products: string[], daysAgo: number, userId?: string) =>
  event({
    type: 'track',
    event: 'Order Completed',
    anonymousId,
    userId,
    timestamp: at(daysAgo),
    properties: { order_id: `o-${anonymousId}-${daysAgo}`, revenue: 10, products: products.map((product_id) => ({ product_id, price: 5 })) },
  });

describe('retention', () => {
  let c: Running;
  beforeAll(async () => {
    c = await startCollector({ retention: { eventDays: 30 }, segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 } });
    await put(`${c.url}/v1/catalog/items`, catalog(['r1', 'r2', 'r3', 'r4', 'r5']));
  });
  afterAll(() => c.stop());

  it('removes old events and the models follow', async () => {
    const batch = [
      event({ type: 'identify', anonymousId: 'anon-p', userId: 'user-p', timestamp: at(61) }),
      order('anon-p', ['r1', 'r2'], 60, 'user-p'),
      event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-p', properties: { product_id: 'r3' }, timestamp: at(2) }),
      order('anon-q', ['r4', 'r5'], 45),
      order('anon-s', ['r3', 'r4'], 1),
    ];
    expect((await post(`${c.url}/v1/batch`, { batch })).body.accepted).toBe(5);
    const { learner, retention, store } = c.app.patron;
    await learner.settled();
    expect(learner.interactions.alsoBought('r1', { limit: 5 }).map((r) => r.id)).toEqual(['r2']);

    expect(await retention.run()).toBe(3);
    expect(await store.countEvents()).toBe(2);
    expect(learner.interactions.alsoBought('r1', { limit: 5 })).toEqual([]);
    expect(learner.interactions.alsoBought('r4', { limit: 5 }).map((r) => r.id)).toEqual(['r3']);
    expect(learner.knows('anon-q')).toBe(false);
    // The person keeps their newer view, under their user (the tie stays).
    expect(learner.interactions.history('user-p')).toEqual(['r3']);
    expect(learner.customers.get('user-p')?.orders ?? 0).toBe(0);
    expect(await retention.run()).toBe(0);

    const audit = await get(`${c.url}/v1/audit`, KEYS.admin[0], true);
    expect(audit.body.entries[0]).toMatchObject({ action: 'retention', actor: 'retention', detail: { events: 3 } });
  });
});
