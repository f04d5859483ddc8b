// The store contract: what every storage engine must do, written against the Store interface alone
// (collector/store/store.ts), so that each engine (SQLite today, PostgreSQL next) is held to the very same
// cases: every method, dedup, quarantine, ordering, time ranges and a restart.

import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../collector/domain/catalog-item';
import { experimentSchema, type ExperimentRecord } from '../../collector/domain/experiment';
import { slotConfigSchema } from '../../collector/domain/slot-config';
import { toStored, type StoredEvent } from '../../collector/domain/stored-event';
import type { ValidEvent } from '../../collector/domain/event';
import type { Delivery, EventQuery, Store, StoredValues } from '../../collector/store/store';
import type { SubscriptionRecord } from '../../collector/domain/webhook';
import { BUCKET } from '../../recommender';

export interface Engine {
  name: string;
  /** A new, empty store. */
  open(): Promise<Store>;
  /** The store `open` last made, opened again after it was closed; absent when the engine keeps nothing (memory). */
  reopen?: () => Promise<Store>;
}

const T0 = Date.UTC(2026, 2, 2, 9); // a Monday
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let seq = 0;
/** A stored event; every field can be set, the rest are plain. */
export function storedEvent(over: Partial<StoredEvent> = {}): StoredEvent {
  seq++;
  return {
    messageId: `m-${String(seq).padStart(6, '0')}`,
    type: 'track',
    event: 'Product Viewed',
    anonymousId: 'a-1',
    userId: null,
    sessionId: null,
    timestamp: T0 + seq * 1000,
    receivedAt: T0 + seq * 1000 + 5,
    properties: { product_id: 'p-1' },
    context: {},
    traits: null,
    ...over,
  };
}

const order = (products: [string, number, number][], over: Partial<StoredEvent> = {}) =>
  storedEvent({
    event: 'Order Completed',
    properties: {
      order_id: `o-${seq}`,
      revenue: products.reduce((s, [, price, quantity]) => s + price * quantity, 0),
      products: products.map(([product_id, price, quantity]) => ({ product_id, price, quantity })),
    },
    ...over,
  });

const item = (id: string, over: Partial<CatalogItem> = {}): CatalogItem => ({ id, name: `Product ${id}`, in_stock: true, attributes: {}, ...over });

async function all<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const out: T[][] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const byTime = (a: StoredEvent, b: StoredEvent) => a.timestamp - b.timestamp || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);

export function storeContract(engine: Engine): void {
  describe(`the store contract: ${engine.name}`, () => {
    let store: Store | undefined;
    const open = async () => (store = await engine.open());
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    describe('events', () => {
      it('stores new events, tells duplicates (the same messageId) apart within a call and across calls, and counts them', async () => {
        const s = await open();
        expect(await s.insertEvents([])).toEqual({ inserted: [], duplicates: 0 });
        const [a, b, c] = [storedEvent(), storedEvent(), storedEvent()];
        expect(await s.insertEvents([a, b])).toEqual({ inserted: [a, b], duplicates: 0 });
        expect(await s.insertEvents([b, c, c])).toEqual({ inserted: [c], duplicates: 2 });
        // The same messageId at another time is the same event resent (an order sent again, a clock corrected), as Segment dedups.
        const later = { ...a, timestamp: a.timestamp + 2000 };
        const [d, dLater] = [storedEvent(), storedEvent()];
        dLater.messageId = d.messageId;
        dLater.timestamp = d.timestamp + 86_400_000;
        expect(await s.insertEvents([later, d, dLater])).toEqual({ inserted: [d], duplicates: 2 });
        expect(await s.countEvents()).toBe(4);
      });

      it('gives every event back as it was stored, in time order (ties by messageId), page by page', async () => {
        const s = await open();
        const events = [
          storedEvent({ timestamp: T0 + 5000, messageId: 'z' }),
          storedEvent({ timestamp: T0 + 5000, messageId: 'b' }),
          storedEvent({ timestamp: T0 + 1000, type: 'identify', event: null, userId: 'u-1', properties: {}, traits: { email: 'x@y.z', nested: { a: [1, 2] } } }),
          storedEvent({
            type: 'page',
            event: 'Home',
            sessionId: 's-1',
            context: { page: { url: 'https://shop.test/' }, library: { name: 'patron', version: '1' } },
            properties: { category: 'Épicerie ☕' },
          }),
          order(
            [
              ['p-1', 2.5, 2],
              ['p-2', 10, 1],
            ],
            { userId: 'u-1' },
          ),
        ];
        await s.insertEvents(events);
        const pages = await all(s.scanEvents(2));
        expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
        expect(pages.flat()).toEqual([...events].sort(byTime));
      });

      it('gives raw events with their JSON columns as text, from `from` (included) to `to` (excluded)', async () => {
        const s = await open();
        const events = [0, 1, 2, 3].map((h) => storedEvent({ timestamp: T0 + h * HOUR, properties: { product_id: `p-${h}`, price: h } }));
        await s.insertEvents(events);
        const raw = (await all(s.scanRawEvents(10, { from: T0 + HOUR, to: T0 + 3 * HOUR }))).flat();
        expect(raw.map((e) => e.timestamp)).toEqual([T0 + HOUR, T0 + 2 * HOUR]);
        expect(JSON.parse(raw[0].properties)).toEqual(events[1].properties);
        expect(JSON.parse(raw[0].context)).toEqual({});
        expect(raw[0].traits).toBeNull();
        expect((await all(s.scanRawEvents(10))).flat()).toHaveLength(4);
      });

      it('stores events given with the request they arrived in exactly as the events themselves say (the hint may be ignored)', async () => {
        const s = await open();
        const wire = [
          {
            type: 'track',
            event: 'Product Viewed',
            messageId: 'w-1',
            anonymousId: 'a-9',
            timestamp: new Date(T0).toISOString(),
            properties: { product_id: 'p-7', price: 3 },
            context: { sessionId: 's-9' },
          },
          { type: 'page', name: 'Home', messageId: 'w-2', anonymousId: 'a-9', timestamp: new Date(T0 + 1000).toISOString(), properties: { path: '/' } },
        ];
        const body = Buffer.from(JSON.stringify({ batch: wire, writeKey: 'pk' }, null, 1));
        const events = wire.map((e) => toStored(e as ValidEvent, T0 + 2000));
        expect((await s.insertEvents(events, { body, positions: [0, 1] })).inserted).toHaveLength(2);
        // An event zod rewrote (its id trimmed) is given whole: position -1, the body's text is not it.
        const padded = { type: 'track', event: 'Product Added', messageId: ' w-1b ', anonymousId: 'a-9', timestamp: new Date(T0 + 500).toISOString(), properties: { product_id: 'p-7' } };
        const rewritten = toStored({ ...padded, messageId: 'w-1b' } as ValidEvent, T0 + 2000);
        const mixed = Buffer.from(JSON.stringify({ batch: [wire[0], padded] }));
        expect(await s.insertEvents([events[0], rewritten], { body: mixed, positions: [0, -1] })).toEqual({ inserted: [rewritten], duplicates: 1 });
        const single = { type: 'identify', messageId: 'w-3', userId: 'u-9', anonymousId: 'a-9', timestamp: new Date(T0 + 3000).toISOString(), traits: { plan: 'gold' } };
        const one = toStored(single as ValidEvent, T0 + 4000);
        await s.insertEvents([one], { body: Buffer.from(JSON.stringify({ ...single, writeKey: 'pk' })), positions: [0], impliedType: 'identify', single: true });
        expect((await all(s.scanEvents())).flat()).toEqual([events[0], rewritten, events[1], one]);
      });

      it('keeps rejected events with their reasons, newest first, paged by id', async () => {
        const s = await open();
        expect(await s.listQuarantine(10)).toEqual([]);
        const rows = [1, 2, 3].map((n) => ({
          receivedAt: T0 + n,
          messageId: n === 2 ? null : `q-${n}`,
          reasons: [{ path: 'properties.product_id', message: `needs product_id (${n})` }],
          raw: `{"n":${n}}`,
        }));
        await s.quarantine(rows);
        await s.quarantine([]);
        const listed = await s.listQuarantine(2);
        expect(listed.map(({ id: _, ...r }) => r)).toEqual([rows[2], rows[1]]);
        expect((await s.listQuarantine(10, listed[1].id)).map((r) => r.messageId)).toEqual(['q-1']);
      });

      it('drops quarantined events by age, then the oldest beyond a count, a bounded number at a time, and counts them', async () => {
        const s = await open();
        expect(await s.quarantineDropped()).toEqual({ expired: 0, overCap: 0 });
        const rows = Array.from({ length: 10 }, (_, n) => ({ receivedAt: T0 + n * DAY, messageId: `q-${n}`, reasons: [{ path: 'type', message: 'is missing' }], raw: '{}' }));
        await s.quarantine(rows);
        // Older than day 3: q-0, q-1, q-2, taken two at a time.
        expect(await s.pruneQuarantine({ before: T0 + 3 * DAY, keep: 100, most: 2 })).toEqual({ expired: 2, overCap: 0 });
        expect(await s.pruneQuarantine({ before: T0 + 3 * DAY, keep: 100, most: 2 })).toEqual({ expired: 1, overCap: 0 });
        // Then the oldest beyond the newest four.
        expect(await s.pruneQuarantine({ before: T0 + 3 * DAY, keep: 4, most: 100 })).toEqual({ expired: 0, overCap: 3 });
        expect((await s.listQuarantine(100)).map((r) => r.messageId)).toEqual(['q-9', 'q-8', 'q-7', 'q-6']);
        expect(await s.pruneQuarantine({ before: T0, keep: 4, most: 100 })).toEqual({ expired: 0, overCap: 0 });
        expect(await s.quarantineDropped()).toEqual({ expired: 3, overCap: 3 });
      });

      it('adds up the events clients dropped', async () => {
        const s = await open();
        expect(await s.clientDropped()).toBe(0);
        await s.addClientDropped(3);
        await s.addClientDropped(4);
        expect(await s.clientDropped()).toBe(7);
      });
    });

    describe('catalog', () => {
      it('creates, updates, lists by id and removes products', async () => {
        const s = await open();
        expect(await s.listItems()).toEqual([]);
        const full = item('b', { url: '/p/b', image: '/i/b.png', price: 12.5, currency: 'EUR', category: 'Tea', in_stock: false, attributes: { organic: true, grams: 250, origin: 'Assam' } });
        expect(await s.upsertItems([full, item('a')])).toBe(2);
        expect(await s.listItems()).toEqual([item('a'), full]);
        await s.upsertItems([{ ...full, price: 11, in_stock: true }]);
        expect((await s.listItems())[1]).toEqual({ ...full, price: 11, in_stock: true });
        expect(await s.deleteItems(['a', 'nope'])).toBe(1);
        expect(await s.deleteItems(['a'])).toBe(0);
        expect((await s.listItems()).map((i) => i.id)).toEqual(['b']);
      });
    });

    describe('slots', () => {
      it('creates, replaces, lists by name and removes slots', async () => {
        const s = await open();
        const home = slotConfigSchema.parse({ strategy: 'for-you', limit: 4, boosters: [{ weight: 2, category: 'Tea' }], pinned: [{ item: 'p-1', position: 0 }] });
        expect(await s.putSlot('home', home, T0)).toBe(true);
        expect(await s.putSlot('cart', slotConfigSchema.parse({ strategy: 'also-bought' }), T0 + 1)).toBe(true);
        expect(await s.putSlot('home', { ...home, limit: 6 }, T0 + 2)).toBe(false);
        expect(await s.listSlots()).toEqual([
          { name: 'cart', config: slotConfigSchema.parse({ strategy: 'also-bought' }), updatedAt: T0 + 1 },
          { name: 'home', config: { ...home, limit: 6 }, updatedAt: T0 + 2 },
        ]);
        expect(await s.deleteSlot('cart')).toBe(true);
        expect(await s.deleteSlot('cart')).toBe(false);
        expect((await s.listSlots()).map((x) => x.name)).toEqual(['home']);
      });

      it('adds slot counters per day and slot, and reports a range of days (both ends included) for one slot or all', async () => {
        const s = await open();
        const stats = (day: string, slot: string, n: number) => ({ day, slot, impressions: 10 * n, clicks: n, orders: n > 1 ? 1 : 0, revenue: n * 2.5 });
        await s.addSlotStats([stats('2026-03-02', 'home', 1), stats('2026-03-02', 'cart', 2)], []);
        await s.addSlotStats([stats('2026-03-02', 'home', 3), stats('2026-03-04', 'home', 1)], [{ orderId: 'o-1', slot: 'home', recommendationIds: ['r-1'], products: ['p-1'], revenue: 7.5, at: T0 }]);
        await s.addSlotStats([], []);
        expect(await s.slotReport({})).toEqual([stats('2026-03-02', 'cart', 2), { ...stats('2026-03-02', 'home', 4), orders: 1 }, stats('2026-03-04', 'home', 1)]);
        expect((await s.slotReport({ from: '2026-03-03', to: '2026-03-04' })).map((r) => r.day)).toEqual(['2026-03-04']);
        expect((await s.slotReport({ to: '2026-03-02', slot: 'cart' })).map((r) => r.slot)).toEqual(['cart']);
      });
    });

    describe('experiments', () => {
      it('keeps experiments oldest first, a save of the same id replacing the record, across a reopen', async () => {
        const s = await open();
        expect(await s.listExperiments()).toEqual([]);
        const record = (id: string, createdAt: number): ExperimentRecord => ({
          definition: experimentSchema.parse({ id, name: `Test ${id}`, kind: 'slot', slot: 'home', variants: [{ id: 'control', unfilled: true }, { id: 'shown' }] }),
          status: 'active',
          createdAt,
          updatedAt: createdAt,
          startAt: createdAt,
          stoppedAt: null,
        });
        await s.saveExperiment(record('b', T0 + 1));
        await s.saveExperiment(record('a', T0 + 2));
        const stopped = { ...record('b', T0 + 1), status: 'stopped' as const, updatedAt: T0 + 5, stoppedAt: T0 + 5 };
        await s.saveExperiment(stopped);
        expect(await s.listExperiments()).toEqual([stopped, record('a', T0 + 2)]);
        if (!engine.reopen) return;
        await s.close();
        const again = (store = await engine.reopen());
        expect((await again.listExperiments()).map((r) => [r.definition.id, r.status])).toEqual([
          ['b', 'stopped'],
          ['a', 'active'],
        ]);
      });
    });

    describe('webhooks', () => {
      const subscription = (id: string, at = T0): SubscriptionRecord => ({
        id,
        definition: { url: `https://example.com/${id}`, events: ['customer.stage_changed'], filters: {}, traits: [], valueDropShare: 0.2, enabled: true },
        secrets: [{ secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', createdAt: at, expiresAt: null }],
        state: 'enabled',
        reason: null,
        failures: 0,
        createdAt: at,
        updatedAt: at,
      });
      const delivery = (id: string, customerId: string | null, dueAt: number, subscriptionId = 'wh_a'): Delivery => ({
        id,
        subscriptionId,
        customerId,
        type: 'customer.stage_changed',
        payload: `{"id":"${id}"}`,
        createdAt: T0,
        dueAt,
        attempts: 0,
        state: 'pending',
      });

      it('keeps subscriptions oldest first, a save of the same id replacing the record, and removes one with its deliveries', async () => {
        const s = await open();
        await s.saveSubscription(subscription('wh_b', T0 + 1));
        await s.saveSubscription(subscription('wh_a'));
        await s.saveSubscription({ ...subscription('wh_b', T0 + 1), state: 'paused', reason: 'failing' });
        expect((await s.listSubscriptions()).map((x) => [x.id, x.state])).toEqual([
          ['wh_a', 'enabled'],
          ['wh_b', 'paused'],
        ]);
        await s.enqueueDeliveries([delivery('msg_1', 'c', T0, 'wh_b')]);
        await s.deleteSubscription('wh_b');
        expect((await s.listSubscriptions()).map((x) => x.id)).toEqual(['wh_a']);
        expect(await s.dueDeliveries(T0, 10)).toEqual([]);
      });

      it('queues each delivery once and hands out the due ones in order per customer, a pending retry holding the later ones back', async () => {
        const s = await open();
        await s.saveSubscription(subscription('wh_a'));
        await s.enqueueDeliveries([delivery('msg_1', 'c1', T0), delivery('msg_2', 'c1', T0), delivery('msg_3', 'c2', T0 + 5), delivery('msg_4', null, T0), delivery('msg_5', null, T0)]);
        await s.enqueueDeliveries([{ ...delivery('msg_1', 'c1', T0), payload: 'again' }]);
        expect((await s.deliveryCounts()).get('wh_a')).toEqual({ pending: 6, delivered: 0, failed: 0 });
        expect((await s.dueDeliveries(T0, 10)).map((d) => d.id)).toEqual(['msg_1', 'msg_4', 'msg_5']);
        expect(await s.nextDueAt()).toBe(T0);
        // msg_1 fails and is due again later: msg_2, about the same customer, waits behind it.
        await s.recordAttempt({ deliveryId: 'msg_1', at: T0, status: 500, durationMs: 12, excerpt: 'oops' }, { state: 'pending', dueAt: T0 + 100, attempts: 1 });
        expect((await s.dueDeliveries(T0 + 50, 10)).map((d) => d.id)).toEqual(['msg_4', 'msg_5', 'msg_3']);
        await s.recordAttempt({ deliveryId: 'msg_1', at: T0 + 100, status: 204, durationMs: 8, excerpt: '' }, { state: 'delivered', dueAt: null, attempts: 2 });
        expect((await s.dueDeliveries(T0 + 100, 1)).map((d) => d.id)).toEqual(['msg_2']);
        const [latest, , , , first] = await s.listDeliveries({ subscriptionId: 'wh_a', limit: 10 });
        expect(latest.id).toBe('msg_5');
        expect(first).toMatchObject({ id: 'msg_1', state: 'delivered', attempts: 2, payload: '{"id":"msg_1"}' });
        expect(first.log).toEqual([
          { deliveryId: 'msg_1', at: T0, status: 500, durationMs: 12, excerpt: 'oops' },
          { deliveryId: 'msg_1', at: T0 + 100, status: 204, durationMs: 8, excerpt: '' },
        ]);
        expect((await s.listDeliveries({ subscriptionId: 'wh_a', state: 'delivered', limit: 10 })).map((d) => d.id)).toEqual(['msg_1']);
        expect((await s.deliveryCounts()).get('wh_a')).toEqual({ pending: 4, delivered: 1, failed: 0 });
        // A paused subscription's deliveries wait.
        await s.saveSubscription({ ...subscription('wh_a'), state: 'paused', reason: 'by the merchant' });
        expect(await s.dueDeliveries(T0 + 100, 10)).toEqual([]);
        expect(await s.nextDueAt()).toBeNull();
      });

      it('replays deliveries by id or by the time they were queued', async () => {
        const s = await open();
        await s.saveSubscription(subscription('wh_a'));
        await s.enqueueDeliveries([delivery('msg_1', 'c1', T0), { ...delivery('msg_2', 'c2', T0), createdAt: T0 + 10 }]);
        expect(await s.dueDeliveries(T0, 10)).toHaveLength(2);
        for (const id of ['msg_1', 'msg_2']) await s.recordAttempt({ deliveryId: id, at: T0, status: 200, durationMs: 1, excerpt: '' }, { state: 'delivered', dueAt: null, attempts: 1 });
        expect(await s.replayDeliveries({ subscriptionId: 'wh_a', ids: ['msg_1', 'msg_9'] }, T0 + 1)).toBe(1);
        expect((await s.dueDeliveries(T0 + 1, 10)).map((d) => [d.id, d.attempts])).toEqual([['msg_1', 0]]);
        expect(await s.replayDeliveries({ subscriptionId: 'wh_a', from: T0 + 5 }, T0 + 2)).toBe(1);
        expect((await s.dueDeliveries(T0 + 2, 10)).map((d) => d.id)).toEqual(['msg_1', 'msg_2']);
      });
    });

    describe('identities', () => {
      it('keeps ties of anonymous ids to users, a later tie of an id replacing the earlier', async () => {
        const s = await open();
        expect(await s.listIdentities()).toEqual(new Map());
        await s.linkIdentities([]);
        await s.linkIdentities([
          { anonymousId: 'a-1', userId: 'u-1', at: T0 },
          { anonymousId: 'a-2', userId: 'u-1', at: T0 + 1 },
        ]);
        await s.linkIdentities([{ anonymousId: 'a-1', userId: 'u-2', at: T0 + 2 }]);
        expect(await s.listIdentities()).toEqual(
          new Map([
            ['a-1', 'u-2'],
            ['a-2', 'u-1'],
          ]),
        );
      });
    });

    describe('snapshots of the last refit', () => {
      it('keeps segments and assignments, each save replacing the last whole', async () => {
        const s = await open();
        expect(await s.loadSegments()).toBeNull();
        const segment = (id: number) => ({ id, slug: `s-${id}`, label: `Segment ${id}`, size: id * 10, centroid: { orders: id + 0.5, 'share:Tea': 0.25 }, revenueShare: id / 10 });
        await s.saveSegments({
          segments: [segment(1), segment(2)],
          assignments: new Map([
            ['a', 1],
            ['b', 2],
          ]),
          updatedAt: T0,
        });
        await s.saveSegments({ segments: [segment(3)], assignments: new Map([['c', 3]]), updatedAt: T0 + 1 });
        expect(await s.loadSegments()).toEqual({ segments: [segment(3)], assignments: new Map([['c', 3]]), updatedAt: T0 + 1 });
      });

      it('keeps many assignments whole, and of two saves at once the later one', async () => {
        const s = await open();
        const segment = { id: 1, slug: 's-1', label: 'Segment 1', size: 1, centroid: {}, revenueShare: 0 };
        const many = (n: number, id: number) => new Map(Array.from({ length: n }, (_, i) => [`c${i}`, id] as [string, number]));
        const first = s.saveSegments({ segments: [segment], assignments: many(12_000, 1), updatedAt: T0 });
        const second = s.saveSegments({ segments: [{ ...segment, id: 2 }], assignments: many(11_000, 2), updatedAt: T0 + 1 });
        await Promise.all([first, second]);
        const loaded = await s.loadSegments();
        expect(loaded!.updatedAt).toBe(T0 + 1);
        expect(loaded!.assignments).toEqual(many(11_000, 2));
      });

      it('keeps every buyer value and the models, each save replacing the last whole', async () => {
        const s = await open();
        expect(await s.loadValues()).toBeNull();
        const value = (id: string, fitted: boolean) => ({
          id,
          orders: 3,
          revenue: 42.5,
          pAlive: fitted ? 0.8 : null,
          expectedPurchases: fitted ? 1.25 : null,
          expectedSpend: 14.2,
          clv: fitted ? 99.9 : null,
          churnRisk: fitted ? ('active' as const) : null,
          stage: fitted ? ('loyal' as const) : null,
          rfm: { r: 5, f: 4, m: 3, group: 'champions' as const },
        });
        const model: StoredValues['model'] = {
          bgnbd: { params: { r: 0.24, alpha: 4.4, a: 0.79, b: 2.43 }, logLikelihood: -9582.4 },
          gammaGamma: null,
          errors: ['Gamma-Gamma: spend too uniform'],
          choice: {
            purchase: 'activity',
            spend: 'own-mean',
            reason: 'activity better than bgnbd on 3 of 3',
            backtest: {
              calibrationEnd: '2026-01-01',
              holdoutEnd: '2026-03-01',
              holdoutDays: 59,
              customers: 120,
              recencyAuc: 0.6,
              scores: [
                {
                  model: 'bgnbd',
                  purchasesRmse: 1,
                  purchasesSpearman: 0.4,
                  purchasesRatio: 1.1,
                  topDecileCapture: 0.5,
                  captureBySpend: { 'gamma-gamma': 0.45, 'own-mean': 0.5 },
                  churnAuc: 0.7,
                  byFrequency: [{ frequency: 0, customers: 80, predicted: 0.2, actual: 0.25 }],
                },
              ],
            },
          },
          lifecycle: { atRiskAfterDays: 40, lapsedAfterDays: 80, loyalRepeats: 3 },
          options: { horizonDays: 90, clvMonths: 12, monthlyDiscountRate: 0.01, churnHorizonDays: 30, churnThresholds: { active: 0.75, cooling: 0.5, atRisk: 0.25 } },
        };
        await s.saveValues({ model, customers: [value('x', true)], updatedAt: T0 });
        await s.saveValues({ model, customers: [value('a', true), value('b', false)], updatedAt: T0 + 1 });
        const loaded = await s.loadValues();
        expect({ ...loaded, customers: [...loaded!.customers].sort((p, q) => (p.id < q.id ? -1 : 1)) }).toEqual({ model, customers: [value('a', true), value('b', false)], updatedAt: T0 + 1 });
      });
    });

    describe("the value's progression", () => {
      const D = 86_400_000;
      it('keeps stage changes once each, newest first, filtered by customer, stage and time, and counts the flows per period', async () => {
        const s = await open();
        const changes = [
          { customerId: 'a', at: T0, from: null, to: 'new' as const },
          { customerId: 'a', at: T0 + 10 * D, from: 'new' as const, to: 'active' as const },
          { customerId: 'b', at: T0 + 10 * D, from: null, to: 'new' as const },
          { customerId: 'a', at: T0 + 40 * D, from: 'active' as const, to: 'at-risk' as const },
        ];
        await s.addStageChanges(changes);
        // The next refit finds the same changes again: kept once.
        await s.addStageChanges(changes.slice(1));
        expect(await s.listStageChanges({ limit: 10 })).toEqual([changes[3], changes[1], changes[2], changes[0]]);
        expect(await s.listStageChanges({ customerId: 'a', stage: 'active', limit: 10 })).toEqual([changes[1]]);
        expect(await s.listStageChanges({ from: T0 + D, to: T0 + 40 * D, limit: 10 })).toEqual([changes[1], changes[2]]);
        expect(await s.listStageChanges({ limit: 1, offset: 1 })).toEqual([changes[1]]);
        // T0 is 2026-03-02, a Monday: the first three changes fall in March, the last in April.
        expect(await s.stageFlows({ bucket: 'month' })).toEqual([
          { period: BUCKET.month(T0), from: null, to: 'new', customers: 2 },
          { period: BUCKET.month(T0), from: 'new', to: 'active', customers: 1 },
          { period: BUCKET.month(T0 + 40 * D), from: 'active', to: 'at-risk', customers: 1 },
        ]);
      });

      it("keeps each customer's values over time, each as of a time, and the base at each refit", async () => {
        const s = await open();
        const row = (customerId: string, at: number, clv: number | null) => ({ customerId, at, clv, churnRisk: 'active' as const, stage: 'loyal' as const });
        await s.addValueHistory([row('a', T0, 100), row('b', T0, 50), row('a', T0 + 7 * D, 60)]);
        expect(await s.valueHistoryOf('a')).toEqual([row('a', T0, 100), row('a', T0 + 7 * D, 60)]);
        expect(await s.valuesAsOf(T0 + D)).toEqual(
          new Map([
            ['a', row('a', T0, 100)],
            ['b', row('b', T0, 50)],
          ]),
        );
        expect((await s.valuesAsOf(T0 + 7 * D)).get('a')).toEqual(row('a', T0 + 7 * D, 60));
        expect((await s.valuesAsOf(T0 - 1)).size).toBe(0);
        const point = (at: number, clv: number) => ({ at, customers: 2, clv, expectedPurchases: 1.5, byStage: { loyal: 2 }, byChurnRisk: { active: 2 } });
        await s.addProgress(point(T0, 150));
        await s.addProgress(point(T0 + 7 * D, 110));
        expect(await s.listProgress({})).toEqual([point(T0, 150), point(T0 + 7 * D, 110)]);
        expect(await s.listProgress({ from: T0 + 1 })).toEqual([point(T0 + 7 * D, 110)]);
      });
    });

    describe('event queries', () => {
      /** Two days of a small shop: an anonymous visitor who later logs in, a user, another visitor. */
      async function shop(s: Store) {
        const events = [
          storedEvent({ anonymousId: 'a-1', timestamp: T0, properties: { product_id: 'p-1', category: 'Tea' } }),
          storedEvent({ anonymousId: 'a-1', timestamp: T0 + HOUR, event: 'Product Added', properties: { product_id: 'p-1' } }),
          order(
            [
              ['p-1', 4, 2],
              ['p-2', 10, 1],
            ],
            { anonymousId: 'a-1', userId: 'u-1', timestamp: T0 + 2 * HOUR },
          ),
          storedEvent({ anonymousId: 'a-2', userId: 'u-2', timestamp: T0 + DAY, properties: { product_id: 'p-2', category: 'Coffee' } }),
          order([['p-2', 10, 3]], { anonymousId: 'a-2', userId: 'u-2', timestamp: T0 + DAY + HOUR }),
          storedEvent({ anonymousId: 'a-3', timestamp: T0 + DAY + 2 * HOUR, type: 'page', event: 'Home', properties: {} }),
        ];
        await s.insertEvents(events);
        await s.linkIdentities([{ anonymousId: 'a-1', userId: 'u-1', at: T0 + 2 * HOUR }]);
      }
      const q = (over: Partial<EventQuery>): EventQuery => ({ properties: [], measures: ['count'], limit: 1000, ...over });

      it('counts events, people (an anonymous id tied to a user is that user) and revenue, by day and by event', async () => {
        const s = await open();
        await shop(s);
        expect(await s.queryEvents(q({ measures: ['count', 'users', 'revenue'] }))).toEqual([{ count: 6, users: 3, revenue: 48 }]);
        expect(await s.queryEvents(q({ interval: 'day', measures: ['count', 'users'] }))).toEqual([
          { bucket: '2026-03-02', count: 3, users: 1 },
          { bucket: '2026-03-03', count: 3, users: 2 },
        ]);
        expect(await s.queryEvents(q({ by: 'event', measures: ['count', 'revenue'] }))).toEqual([
          { group: 'Home', count: 1, revenue: 0 },
          { group: 'Order Completed', count: 2, revenue: 48 },
          { group: 'Product Added', count: 1, revenue: 0 },
          { group: 'Product Viewed', count: 2, revenue: 0 },
        ]);
        expect(await s.queryEvents(q({ by: 'user', measures: ['count'] }))).toEqual([
          { group: 'a-3', count: 1 },
          { group: 'u-1', count: 3 },
          { group: 'u-2', count: 2 },
        ]);
        expect(await s.queryEvents(q({ interval: 'week', by: 'type', measures: ['count'] }))).toEqual([
          { bucket: '2026-03-02', group: 'page', count: 1 },
          { bucket: '2026-03-02', group: 'track', count: 5 },
        ]);
      });

      it('filters by names, type, person, product (an order line counts), property and time range, and stops at the limit', async () => {
        const s = await open();
        await shop(s);
        expect(await s.queryEvents(q({ events: ['Order Completed', 'Home'] }))).toEqual([{ count: 3 }]);
        expect(await s.queryEvents(q({ type: 'page' }))).toEqual([{ count: 1 }]);
        expect(await s.queryEvents(q({ userId: 'u-2' }))).toEqual([{ count: 2 }]);
        expect(await s.queryEvents(q({ anonymousId: 'a-1' }))).toEqual([{ count: 3 }]);
        expect(await s.queryEvents(q({ productId: 'p-2' }))).toEqual([{ count: 3 }]);
        expect(await s.queryEvents(q({ properties: [['category', 'Tea']] }))).toEqual([{ count: 1 }]);
        expect(await s.queryEvents(q({ by: 'prop.category', events: ['Product Viewed'] }))).toEqual([
          { group: 'Coffee', count: 1 },
          { group: 'Tea', count: 1 },
        ]);
        expect(await s.queryEvents(q({ from: T0 + HOUR, to: T0 + DAY + HOUR }))).toEqual([{ count: 3 }]);
        expect(await s.queryEvents(q({ by: 'event', limit: 2 }))).toHaveLength(2);
      });

      it('ranks products by views, cart adds, orders holding them and the revenue of their lines, in a time range', async () => {
        const s = await open();
        await shop(s);
        expect(await s.topProducts({ sort: 'revenue', limit: 10 })).toEqual([
          { productId: 'p-2', views: 1, cartAdds: 0, orders: 2, revenue: 40 },
          { productId: 'p-1', views: 1, cartAdds: 1, orders: 1, revenue: 8 },
        ]);
        expect((await s.topProducts({ sort: 'cartAdds', limit: 1 })).map((p) => p.productId)).toEqual(['p-1']);
        expect(await s.topProducts({ sort: 'orders', limit: 10, from: T0 + DAY })).toEqual([{ productId: 'p-2', views: 1, cartAdds: 0, orders: 1, revenue: 30 }]);
      });
    });

    describe('settled', () => {
      // Every read waits for it itself: what a caller can see is that it resolves, with writes in flight too.
      it('resolves, and the reads after it see every write made before', async () => {
        const s = await open();
        const writes = [s.insertEvents([storedEvent(), storedEvent()]), s.linkIdentities([{ anonymousId: 'a-1', userId: 'u-1', at: T0 }]), s.addClientDropped(1)];
        await Promise.all(writes);
        await s.settled();
        expect(await s.countEvents()).toBe(2);
        expect((await s.listIdentities()).get('a-1')).toBe('u-1');
      });
    });

    if (engine.reopen) {
      const reopen = engine.reopen;
      describe('a restart', () => {
        it('keeps everything, and still knows every stored event for what it is', async () => {
          const s = await open();
          const events = [storedEvent(), storedEvent({ userId: 'u-1' }), order([['p-1', 5, 1]])];
          await s.insertEvents(events);
          await s.quarantine([{ receivedAt: T0, messageId: 'bad', reasons: [{ path: 'type', message: 'is missing' }], raw: '{}' }]);
          await s.addClientDropped(2);
          await s.upsertItems([item('p-1', { price: 5 })]);
          await s.putSlot('home', slotConfigSchema.parse({ strategy: 'popular' }), T0);
          await s.addSlotStats([{ day: '2026-03-02', slot: 'home', impressions: 1, clicks: 1, orders: 0, revenue: 0 }], []);
          await s.linkIdentities([{ anonymousId: 'a-1', userId: 'u-1', at: T0 }]);
          await s.saveSegments({ segments: [{ id: 0, slug: 'all', label: 'All', size: 1, centroid: {}, revenueShare: 1 }], assignments: new Map([['u-1', 0]]), updatedAt: T0 });
          const values: StoredValues = {
            model: {
              bgnbd: null,
              gammaGamma: null,
              errors: [],
              choice: { purchase: 'bgnbd', spend: 'gamma-gamma', reason: 'no backtest', backtest: null },
              lifecycle: { atRiskAfterDays: 90, lapsedAfterDays: 180, loyalRepeats: 3 },
              options: { horizonDays: 90, clvMonths: 12, monthlyDiscountRate: 0.01, churnHorizonDays: 30, churnThresholds: { active: 0.75, cooling: 0.5, atRisk: 0.25 } },
            },
            customers: [
              { id: 'u-1', orders: 1, revenue: 5, pAlive: null, expectedPurchases: null, expectedSpend: 5, clv: null, churnRisk: null, stage: 'new', rfm: { r: 3, f: 1, m: 2, group: 'new' } },
            ],
            updatedAt: T0,
          };
          await s.saveValues(values);
          await s.close();
          store = await reopen();
          const again = store;
          expect((await all(again.scanEvents())).flat()).toEqual([...events].sort(byTime));
          expect(await again.insertEvents([events[0], storedEvent()])).toMatchObject({ duplicates: 1 });
          // Known by messageId, whatever the timestamp it is resent with.
          expect(await again.insertEvents([{ ...events[1], timestamp: events[1].timestamp + 1500 }])).toEqual({ inserted: [], duplicates: 1 });
          expect((await again.listQuarantine(10)).map((r) => r.messageId)).toEqual(['bad']);
          expect(await again.clientDropped()).toBe(2);
          expect(await again.listItems()).toEqual([item('p-1', { price: 5 })]);
          expect((await again.listSlots()).map((x) => x.name)).toEqual(['home']);
          expect(await again.slotReport({})).toHaveLength(1);
          expect(await again.listIdentities()).toEqual(new Map([['a-1', 'u-1']]));
          expect((await again.loadSegments())?.assignments).toEqual(new Map([['u-1', 0]]));
          expect(await again.loadValues()).toEqual(values);
          expect(await again.queryEvents({ properties: [], measures: ['users'], limit: 10 })).toEqual([{ users: 1 }]);
        });
      });
    }
  });
}
