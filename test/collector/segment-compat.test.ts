// A store that already runs Segment can point its server-side client at Patron: the real
// @segment/analytics-node, unchanged but for its host, delivers to the collector.
import { Analytics } from '@segment/analytics-node';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startCollector, type Running } from './helpers';

// closeAndFlush gives up after its timeout, and the rows would then be missing: a bound only a stuck
// client reaches, not a busy machine (10 s could be).
const FLUSH_MS = 60_000;

let c: Running;
beforeAll(async () => {
  c = await startCollector();
});
afterAll(() => c.stop());

describe('@segment/analytics-node against Patron', () => {
  it(
    'sends track, page and identify calls that Patron stores',
    async () => {
      const analytics = new Analytics({ writeKey: KEYS.write[0], host: c.url, flushAt: 3, flushInterval: 50, maxRetries: 1 });
      const errors: unknown[] = [];
      analytics.on('error', (e) => errors.push(e));
      analytics.identify({ userId: 'seg-user-1', anonymousId: 'seg-anon-1', traits: { email: 'jane@example.com', plan: 'gold' } });
      analytics.page({ userId: 'seg-user-1', name: 'Home', properties: { url: 'https://shop.test/' } });
      analytics.track({ userId: 'seg-user-1', event: 'Product Viewed', properties: { product_id: 'SKU-7', name: 'Kettle', price: 49, currency: 'EUR' } });
      analytics.track({
        userId: 'seg-user-1',
        event: 'Order Completed',
        properties: { order_id: 'seg-order-1', revenue: 49, currency: 'EUR', products: [{ product_id: 'SKU-7', price: 49, quantity: 1 }] },
      });
      await analytics.closeAndFlush({ timeout: FLUSH_MS });
      expect(errors).toEqual([]);

      await c.app.patron.store.settled(); // the tables are filled from the journal a moment after the answer
      const db = new Database(c.database, { readonly: true });
      const rows = db.prepare("SELECT * FROM events WHERE user_id = 'seg-user-1' ORDER BY timestamp, id").all() as any[];
      db.close();
      expect(rows.map((r) => r.event ?? r.type).sort()).toEqual(['Home', 'Order Completed', 'Product Viewed', 'identify'].sort());
      const order = rows.find((r) => r.event === 'Order Completed');
      expect(order).toMatchObject({ order_id: 'seg-order-1', revenue: 49 });
      expect(JSON.parse(order.context).library.name).toBe('@segment/analytics-node');
      const identify = rows.find((r) => r.type === 'identify');
      expect(JSON.parse(identify.traits)).toEqual({ email: 'jane@example.com', plan: 'gold' });
      // the identify call tied the anonymous id to the user, as analytics.js users expect
      expect(c.app.patron.identities.userOf('seg-anon-1')).toBe('seg-user-1');
    },
    2 * FLUSH_MS,
  );
});

describe('group, alias and screen', () => {
  it(
    'stores them, and alias ties the earlier id’s history to the user',
    async () => {
      const analytics = new Analytics({ writeKey: KEYS.write[0], host: c.url, flushAt: 10, flushInterval: 50, maxRetries: 1 });
      const errors: unknown[] = [];
      analytics.on('error', (e) => errors.push(e));
      analytics.track({ anonymousId: 'seg-old-id', event: 'Product Viewed', properties: { product_id: 'SKU-A' } });
      analytics.alias({ previousId: 'seg-old-id', userId: 'seg-user-2' });
      analytics.group({ userId: 'seg-user-2', groupId: 'acme', traits: { name: 'Acme Inc', employees: 20 } });
      analytics.screen({ userId: 'seg-user-2', name: 'Checkout', properties: { step: 2 } });
      await analytics.closeAndFlush({ timeout: FLUSH_MS });
      expect(errors).toEqual([]);

      await c.app.patron.store.settled(); // the tables are filled from the journal a moment after the answer
      const db = new Database(c.database, { readonly: true });
      const rows = db.prepare("SELECT type, event, properties, traits FROM events WHERE user_id = 'seg-user-2' ORDER BY id").all() as any[];
      const identities = db.prepare("SELECT user_id FROM identities WHERE anonymous_id = 'seg-old-id'").all();
      db.close();
      expect(rows.map((r) => r.type)).toEqual(['alias', 'group', 'screen']);
      expect(JSON.parse(rows[0].properties)).toEqual({ previous_id: 'seg-old-id' });
      expect(JSON.parse(rows[1].properties)).toEqual({ group_id: 'acme' });
      expect(JSON.parse(rows[1].traits)).toEqual({ name: 'Acme Inc', employees: 20 });
      expect(rows[2]).toMatchObject({ event: 'Checkout' });
      expect(identities).toEqual([{ user_id: 'seg-user-2' }]);
      expect(c.app.patron.learner.interactions.history('seg-user-2')).toEqual(['SKU-A']);
    },
    2 * FLUSH_MS,
  );
});
