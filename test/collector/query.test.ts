// GET /v1/query/events: filters, time buckets, grouping and measures over real stored events, as JSON and CSV.

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireEvent } from '../../sdk/wire';
import { KEYS, get, post, startCollector, type Running } from './helpers';

let c: Running;
const analyst = (query: string) => get(`${c.url}/v1/query/events?${query}`, KEYS.analyst[0], true);
const at = (iso: string) => new Date(iso).toISOString();

function track(event: string, who: { userId?: string; anonymousId?: string }, timestamp: string, properties: Record<string, unknown> = {}): WireEvent {
  return { type: 'track', event, messageId: randomUUID(), timestamp: at(timestamp), properties, ...who };
}

beforeAll(async () => {
  c = await startCollector();
  const batch: WireEvent[] = [
    // Day 1: ann views twice (red, blue), bob once (red); ann orders 30.
    track('Product Viewed', { anonymousId: 'a-ann' }, '2026-03-02T09:00:00Z', { product_id: 'P1', color: 'red' }),
    track('Product Viewed', { anonymousId: 'a-ann' }, '2026-03-02T10:30:00Z', { product_id: 'P2', color: 'blue' }),
    track('Product Viewed', { anonymousId: 'a-bob' }, '2026-03-02T11:00:00Z', { product_id: 'P1', color: 'red' }),
    track('Order Completed', { anonymousId: 'a-ann', userId: 'ann' }, '2026-03-02T12:00:00Z', { order_id: 'o1', revenue: 30, products: [{ product_id: 'P1' }] }),
    // Day 8 (the next week): ann (now known) views once, orders 20.5.
    track('Product Viewed', { userId: 'ann' }, '2026-03-09T09:00:00Z', { product_id: 'P1', color: 'red', size: 3 }),
    track('Order Completed', { userId: 'ann' }, '2026-03-09T10:00:00Z', { order_id: 'o2', revenue: 20.5, products: [{ product_id: 'P2' }] }),
  ];
  expect((await post(`${c.url}/v1/batch`, { batch })).body.accepted).toBe(batch.length);
});
afterAll(() => c.stop());

describe('GET /v1/query/events', () => {
  it('counts events by day, with unique users and revenue', async () => {
    const res = await analyst('interval=day&measures=count,users,revenue');
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      { bucket: '2026-03-02', count: 4, users: 2, revenue: 30 },
      { bucket: '2026-03-09', count: 2, users: 1, revenue: 20.5 },
    ]);
  });

  it('ties anonymous events to the user they turned out to be, when counting users', async () => {
    // a-ann was identified as ann: over both weeks there are two people, not three.
    expect((await analyst('measures=users')).body.rows).toEqual([{ users: 2 }]);
    expect((await analyst('by=user&measures=count')).body.rows).toEqual([
      { group: 'a-bob', count: 1 },
      { group: 'ann', count: 5 },
    ]);
  });

  it('filters by event name, time range, product and property, and groups by a property', async () => {
    expect((await analyst('event=Product%20Viewed&by=prop.color')).body.rows).toEqual([
      { group: 'blue', count: 1 },
      { group: 'red', count: 3 },
    ]);
    expect((await analyst('event=Product%20Viewed&prop.color=red&from=2026-03-03')).body.rows).toEqual([{ count: 1 }]);
    // An event's own product, or a line of an order.
    expect((await analyst('productId=P1&by=event')).body.rows).toEqual([
      { group: 'Order Completed', count: 1 },
      { group: 'Product Viewed', count: 3 },
    ]);
    expect((await analyst('prop.size=3')).body.rows).toEqual([{ count: 1 }]);
    expect((await analyst('event=Order%20Completed,Product%20Viewed&interval=week&measures=revenue')).body.rows).toEqual([
      { bucket: '2026-03-02', revenue: 30 },
      { bucket: '2026-03-09', revenue: 20.5 },
    ]);
    expect((await analyst(`to=${Date.parse('2026-03-02T10:00:00Z')}&interval=hour`)).body.rows).toEqual([{ bucket: '2026-03-02T09:00:00Z', count: 1 }]);
  });

  it('answers as CSV', async () => {
    const res = await fetch(`${c.url}/v1/query/events?interval=month&by=event&measures=count,revenue&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(await res.text()).toBe('bucket,group,count,revenue\n2026-03,Order Completed,2,50.5\n2026-03,Product Viewed,4,0\n');
  });

  it('names the parameter that is wrong, and is for analysts only', async () => {
    const bad = async (query: string) => (await analyst(query)).body.error.issues.map((i: { path: string }) => i.path);
    expect(await bad('interval=year')).toEqual(['interval']);
    expect(await bad('by=properties')).toEqual(['by']);
    expect(await bad('measures=count,median')).toEqual(['measures.1']);
    expect(await bad('from=yesterday')).toEqual(['from']);
    expect(await bad('colour=red')).toEqual(['colour']);
    expect(await bad("prop.x');DROP TABLE events;--=1")).toEqual(["prop.x');DROP TABLE events;--"]);
    expect((await get(`${c.url}/v1/query/events`)).status).toBe(401);
  });
});

describe('GET /v1/query/retention', () => {
  const retention = (query: string) => get(`${c.url}/v1/query/retention?${query}`, KEYS.analyst[0], true);

  it('builds cohorts by first order and counts who ordered again in each later week', async () => {
    const res = await retention('interval=week&basis=orders');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ interval: 'week', basis: 'orders', cohorts: [{ cohort: '2026-03-02', size: 1, active: [1, 1], rates: [1, 1] }] });
    expect((await retention('interval=month')).body.cohorts).toEqual([{ cohort: '2026-03', size: 1, active: [1], rates: [1] }]);
  });

  it('builds cohorts by first visit, a person counted once across their anonymous and known ids', async () => {
    expect((await retention('basis=visits')).body.cohorts).toEqual([{ cohort: '2026-03-02', size: 2, active: [2, 1], rates: [1, 0.5] }]);
    const csv = await fetch(`${c.url}/v1/query/retention?basis=visits&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(await csv.text()).toBe('cohort,size,offset,customers,rate\n2026-03-02,2,0,2,1\n2026-03-02,2,1,1,0.5\n');
    expect((await retention('interval=day')).body.error.issues[0].path).toBe('interval');
  });
});

describe('GET /v1/query/funnel', () => {
  const funnel = (query: string) => get(`${c.url}/v1/query/funnel?${query}`, KEYS.analyst[0], true);

  it('counts the people who did each step after the one before, within the window of their first step', async () => {
    const res = await funnel('steps=Product%20Viewed,Order%20Completed&within=1d');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      within: 86_400_000,
      steps: [
        { step: 'Product Viewed', people: 2, conversion: 1, dropOff: 0 },
        { step: 'Order Completed', people: 1, conversion: 0.5, dropOff: 0.5 },
      ],
    });
    // Ann's views came 1.5 h (and 1 h, a week later) before her orders: not within 30 minutes.
    expect((await funnel('steps=Product%20Viewed,Order%20Completed&within=30m')).body.steps.map((s: any) => s.people)).toEqual([2, 0]);
    // In the other order: Ann's first order, then a view six days later.
    expect((await funnel('steps=Order%20Completed,Product%20Viewed&within=7d')).body.steps.map((s: any) => s.people)).toEqual([1, 1]);
    expect((await funnel('steps=Order%20Completed,Product%20Viewed&within=7d&from=2026-03-05')).body.steps.map((s: any) => s.people)).toEqual([1, 0]);
  });

  it('breaks the funnel down by segment, and answers as CSV', async () => {
    const res = await funnel('steps=Product%20Viewed,Order%20Completed&bySegment=true');
    expect(res.body.segments).toEqual([{ segment: null, steps: res.body.steps }]); // no refit yet: nobody has a segment
    const csv = await fetch(`${c.url}/v1/query/funnel?steps=Product%20Viewed,Order%20Completed&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(await csv.text()).toBe('segment,step,people,conversion,dropOff\n(all),Product Viewed,2,1,0\n(all),Order Completed,1,0.5,0.5\n');
  });

  it('names what is wrong with the steps or the window', async () => {
    const path = async (query: string) => (await funnel(query)).body.error.issues[0].path;
    expect(await path('steps=Product%20Viewed')).toBe('steps');
    expect(await path('steps=A,A')).toBe('steps');
    expect(await path('steps=A,B&within=2w')).toBe('within');
  });
});

describe('GET /v1/query/top-products', () => {
  it('ranks products by views, cart adds, orders containing them or their revenue', async () => {
    const res = await get(`${c.url}/v1/query/top-products?sort=views`, KEYS.analyst[0], true);
    expect(res.body.products).toEqual([
      { productId: 'P1', views: 3, cartAdds: 0, orders: 1, revenue: 0 },
      { productId: 'P2', views: 1, cartAdds: 0, orders: 1, revenue: 0 },
    ]);
    const before = await get(`${c.url}/v1/query/top-products?sort=orders&to=2026-03-05`, KEYS.analyst[0], true);
    expect(before.body.products).toEqual([
      { productId: 'P1', views: 2, cartAdds: 0, orders: 1, revenue: 0 },
      { productId: 'P2', views: 1, cartAdds: 0, orders: 0, revenue: 0 },
    ]);
    expect((await get(`${c.url}/v1/query/top-products?sort=margin`, KEYS.analyst[0], true)).body.error.issues[0].path).toBe('sort');
    // Revenue is each product's lines: price x quantity (a product may be named by sku).
    const order = track('Order Completed', { userId: 'cy' }, '2026-03-10T08:00:00Z', {
      order_id: 'o3',
      revenue: 29,
      products: [
        { product_id: 'P2', price: 12.5, quantity: 2 },
        { sku: 'P3', price: 4 },
      ],
    });
    expect((await post(`${c.url}/v1/batch`, { batch: [order] })).body.accepted).toBe(1);
    const csv = await fetch(`${c.url}/v1/query/top-products?sort=revenue&limit=2&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
    expect(await csv.text()).toBe('productId,views,cartAdds,orders,revenue\nP2,1,0,2,25\nP3,0,0,1,4\n');
  });
});

describe('GET /v1/export/events', () => {
  const download = (query: string, key = KEYS.analyst[0]) => fetch(`${c.url}/v1/export/events?${query}`, { headers: { authorization: `Bearer ${key}` } });

  it('streams every stored event as NDJSON, in time order', async () => {
    const res = await download('');
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const events = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const stored = (await get(`${c.url}/v1/query/events`, KEYS.analyst[0], true)).body.rows[0].count;
    expect(events).toHaveLength(stored);
    expect(events.map((e) => e.timestamp)).toEqual([...events.map((e) => e.timestamp)].sort());
    expect(events[0]).toMatchObject({ type: 'track', event: 'Product Viewed', anonymousId: 'a-ann', properties: { product_id: 'P1', color: 'red' }, timestamp: '2026-03-02T09:00:00.000Z' });
  });

  it('streams a time range as CSV, and is for analysts only', async () => {
    const res = await download('format=csv&from=2026-03-09&to=2026-03-10');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('message_id,type,event,anonymous_id,user_id,session_id,timestamp,received_at,properties,context,traits');
    expect(lines.slice(1).map((l) => l.split(',')[6])).toEqual(['2026-03-09T09:00:00.000Z', '2026-03-09T10:00:00.000Z']);
    expect((await download('', KEYS.write[0])).status).toBe(401);
    expect((await download('format=xml')).status).toBe(400);
  });
});

describe('the README SQL', () => {
  it('gives the same answers as the API', async () => {
    const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    const sql = /-- GET \/v1\/query\/events\?interval=day&measures=count,users,revenue\n([\s\S]*?;)/.exec(readme)![1];
    await c.app.patron.store.settled(); // the tables are filled from the journal a moment after the answer
    const db = new Database(c.database, { readonly: true });
    try {
      expect(db.prepare(sql).all()).toEqual((await get(`${c.url}/v1/query/events?interval=day&measures=count,users,revenue`, KEYS.analyst[0], true)).body.rows);
      // The cohort matrix: the API answers from its event log, the analyst from the events table.
      const cohorts = /-- GET \/v1\/query\/retention\?interval=week&basis=visits.*\n([\s\S]*?;)/.exec(readme)![1];
      const csv = await fetch(`${c.url}/v1/query/retention?interval=week&basis=visits&format=csv`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } });
      const api = (await csv.text())
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','));
      expect(api.length).toBeGreaterThan(1);
      expect(db.prepare(cohorts).all()).toEqual(api.map(([cohort, , offset, customers]) => ({ cohort, offset: Number(offset), customers: Number(customers) })));
    } finally {
      db.close();
    }
  });
});
