// The cohort and funnel reports come from the collector's in-memory event log; the store's SQL computes the
// same reports from the events table (what an analyst with sqlite3 gets). On random histories, with identities
// tied late, both must give the very same answers.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { StoredEvent } from '../../collector/domain/stored-event';
import { startServices, type Services } from '../../collector/services';
import { openSqliteStore } from '../../collector/store/sqlite/sqlite';
import type { Store } from '../../collector/store/store';
import { EventLog, random } from '../../recommender';
import { sqlFunnel, sqlRetention } from '../store/reference-sql';

const DAY = 86_400_000;
const NAMES = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Cart Viewed'];

let store: Store;
let services: Services;
/** The tables as an analyst's own client reads them (once the journal's worker has filled them). */
let db: Database.Database;

/** 300 visitors over 150 days; some log in (userId on later events, an identity tying the anonymous id). */
async function history(s: Store) {
  const rand = random(7);
  const start = Date.UTC(2026, 0, 5);
  const events: StoredEvent[] = [];
  let seq = 0;
  const links: [string, string, number][] = [];
  for (let v = 0; v < 300; v++) {
    const anonymousId = `a${v}`;
    const userId = rand() < 0.4 ? `u${v % 120}` : null; // several visitors may be one user (devices)
    const loginAt = start + rand() * 150 * DAY;
    let t = start + rand() * 150 * DAY;
    const count = 1 + Math.floor(rand() * 25);
    for (let k = 0; k < count; k++) {
      t += rand() * 6 * DAY;
      if (t > start + 160 * DAY) break;
      const loggedIn = userId !== null && t >= loginAt;
      const page = rand() < 0.15;
      events.push({
        messageId: `m${seq++}`,
        type: page ? 'page' : 'track',
        event: page ? 'Home' : NAMES[Math.floor(rand() ** 1.5 * NAMES.length)],
        anonymousId,
        userId: loggedIn ? userId : null,
        sessionId: null,
        timestamp: Math.round(t) + seq, // distinct times: the order of a person's events is never a tie
        receivedAt: 0,
        properties: {
          product_id: `p${k % 5}`,
          products: [{ product_id: `p${k % 5}`, price: 10, quantity: 1 }],
          ...(k % 3 === 0 ? { revenue: ((seq * 7919) % 30_000) / 100 } : {}),
          ...(k % 4 === 0 ? {} : { category: ['Coffee', 'Kitchen', 'Tea', 'Épicerie'][seq % 4] }),
        },
        context: {},
        traits: null,
      });
      if (loggedIn && !links.some((l) => l[0] === anonymousId)) links.push([anonymousId, userId, Math.round(t)]);
    }
  }
  await s.insertEvents(events);
  await s.linkIdentities(links.map(([anonymousId, userId, at]) => ({ anonymousId, userId, at })));
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-event-log-'));
  store = openSqliteStore({ file: path.join(dir, 'patron.db') });
  await history(store);
  services = await startServices(store, { segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 } });
  db = new Database(path.join(dir, 'patron.db'), { readonly: true });
});
afterAll(async () => {
  db.close();
  await services.stop();
  await store.close();
});

describe('the event log', () => {
  it('gives the same cohort matrices as the SQL store, weekly and monthly, by first order or first visit, in any range', async () => {
    const ranges = [{}, { from: Date.UTC(2026, 1, 1) }, { from: Date.UTC(2026, 0, 20), to: Date.UTC(2026, 3, 1, 12) }];
    for (const interval of ['week', 'month'] as const) {
      for (const basis of ['orders', 'visits'] as const) {
        for (const range of ranges) {
          const q = { interval, basis, ...range };
          const sql = sqlRetention(db, q);
          expect(sql.length).toBeGreaterThan(3);
          expect(services.reports.retentionRows(q), JSON.stringify(q)).toEqual(sql);
        }
      }
    }
  });

  it('gives the same funnels as the SQL store, overall and per group, whatever the steps and window', async () => {
    const cases = [
      { steps: ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'], windowMs: 7 * DAY },
      { steps: ['Product Viewed', 'Order Completed'], windowMs: 2 * DAY },
      { steps: ['Home', 'Product Added'], windowMs: 30 * DAY, from: Date.UTC(2026, 1, 1) },
      { steps: ['Order Completed', 'Product Viewed'], windowMs: 10 * DAY, to: Date.UTC(2026, 3, 1) },
      { steps: ['Product Viewed', 'No Such Event'], windowMs: DAY },
    ];
    const groupOf = (person: string) => (person.startsWith('u') ? 'users' : 'visitors');
    for (const q of cases) {
      expect(services.reports.funnelCounts(q), JSON.stringify(q)).toEqual(sqlFunnel(db, q));
      expect(services.reports.funnelCounts(q, groupOf)).toEqual(sqlFunnel(db, q, groupOf));
    }
    expect(services.reports.funnelCounts(cases[0]).get('')![3]).toBeGreaterThan(0);
  });

  it('gives the same counts, people and revenue as the SQL store, bucketed and grouped, and leaves it the rest', async () => {
    const base = { properties: [] as [string, string][], limit: 10_000 };
    expect(services.learner.events.categoriesExact).toBe(true);
    const queries = [
      { measures: ['count', 'users', 'revenue'] as const },
      { interval: 'day', measures: ['count', 'users', 'revenue'] as const },
      { interval: 'hour', measures: ['count'] as const, from: Date.UTC(2026, 1, 1), to: Date.UTC(2026, 1, 3) },
      { interval: 'week', measures: ['users', 'revenue'] as const },
      { interval: 'month', by: 'event', measures: ['count', 'users'] as const },
      { by: 'user', measures: ['count', 'revenue'] as const },
      { events: ['Order Completed', 'Home'], interval: 'week', by: 'event', measures: ['count', 'revenue'] as const, from: Date.UTC(2026, 1, 10) },
      { events: ['No Such Event'], measures: ['count', 'users', 'revenue'] as const },
      { interval: 'day', by: 'user', measures: ['count'] as const, limit: 50 },
      { events: ['Product Viewed'], by: 'prop.category', measures: ['count', 'users'] as const },
      { interval: 'month', properties: [['category', 'Tea']], measures: ['count', 'revenue'] as const },
      { by: 'prop.category', properties: [['category', 'Épicerie']], measures: ['users'] as const },
    ];
    for (const query of queries) {
      const q = { ...base, ...query, measures: [...query.measures] } as Parameters<Store['queryEvents']>[0];
      const sql = await store.queryEvents(q);
      expect(sql.length).toBeGreaterThan(0);
      expect(services.reports.eventsFromLog(q), JSON.stringify(query)).toEqual(sql);
    }
    expect((await store.queryEvents({ ...base, measures: ['revenue'] }))[0].revenue).toBeGreaterThan(1000);
    // Filters the log does not hold go to SQL.
    expect(services.reports.eventsFromLog({ ...base, measures: ['count'], productId: 'p1' })).toBeNull();
    expect(services.reports.eventsFromLog({ ...base, measures: ['count'], by: 'prop.product_id' })).toBeNull();
    expect(services.reports.eventsFromLog({ ...base, measures: ['count'], properties: [['product_id', 'p1']] })).toBeNull();
    // A category that is not text is shown by SQL as it is: from then on category reports are SQL's.
    const log = new EventLog();
    log.add('p', 'Product Viewed', 0, null, 'Tea');
    expect(log.categoriesExact).toBe(true);
    log.add('p', 'Product Viewed', 1, null, 7);
    expect(log.categoriesExact).toBe(false);
  });

  it('keeps up with events as they come, and with identities tied after the fact', async () => {
    const before = services.reports.retentionRows({ interval: 'week', basis: 'visits' });
    const at = Date.UTC(2026, 5, 1);
    const late: StoredEvent[] = [
      {
        messageId: 'late-1',
        type: 'track',
        event: 'Product Viewed',
        anonymousId: 'new-visitor',
        userId: null,
        sessionId: null,
        timestamp: at,
        receivedAt: 0,
        properties: { product_id: 'p1' },
        context: {},
        traits: null,
      },
      { messageId: 'late-2', type: 'identify', event: null, anonymousId: 'new-visitor', userId: 'u1', sessionId: null, timestamp: at + 1000, receivedAt: 0, properties: {}, context: {}, traits: {} },
    ];
    const { inserted } = await store.insertEvents(late);
    await store.linkIdentities([{ anonymousId: 'new-visitor', userId: 'u1', at: at + 1000 }]);
    services.learner.learn(inserted);
    const after = services.reports.retentionRows({ interval: 'week', basis: 'visits' });
    expect(after).not.toEqual(before);
    await store.settled();
    expect(after).toEqual(sqlRetention(db, { interval: 'week', basis: 'visits' }));
  });

  it('counts a name it never saw as nobody, and grows past its first arrays', () => {
    const log = new EventLog();
    for (let i = 0; i < 5000; i++) log.add(`p${i % 700}`, i % 2 ? 'Order Completed' : null, Date.UTC(2026, 0, 1) + i * 3_600_000);
    expect(log.length).toBe(5000);
    expect(log.people).toBe(700);
    expect(log.cohorts({ interval: 'week', name: 'Nothing' })).toEqual([]);
    expect(log.funnel({ steps: ['Nothing', 'Order Completed'], windowMs: DAY }).get('')).toEqual([0, 0]);
    const cells = log.cohorts({ interval: 'month', name: 'Order Completed' });
    expect(cells.filter((c) => c.offset === 0).reduce((s, c) => s + c.people, 0)).toBe(350);
  });
});

describe('an event log of very many distinct names', () => {
  it('counts a name first seen after 70,000 others as the store does, alone', () => {
    const log = new EventLog();
    const t = Date.UTC(2026, 0, 5);
    for (let i = 0; i < 70_000; i++) log.add(`v${i % 50}`, `Name ${i}`, t + i);
    log.add('late', 'New Name', t + 80_000, 5);
    log.add('late', 'New Name', t + 80_001, 7);
    log.add('late', 'Name 69999', t + 79_999);
    expect(log.count({ names: ['New Name'], measures: ['count', 'revenue'] })).toEqual([{ count: 2, revenue: 12 }]);
    expect(log.count({ names: ['New Name', 'Name 1'], by: 'event', measures: ['count'] })).toEqual([
      { group: 'Name 1', count: 1 },
      { group: 'New Name', count: 2 },
    ]);
    expect(log.funnel({ steps: ['Name 69999', 'New Name'], windowMs: DAY }).get('')).toEqual([2, 1]);
  });
});
