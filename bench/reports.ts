// Reports over 1,000,000 stored events (target: under a second each) and the streamed export (target: at least
// 100,000 rows a second), on a fresh SQLite file. Run by `npm run bench`; prints lines, asserts nothing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportChunks } from '../collector/reports/export';
import { openSqliteStore } from '../collector/store/sqlite/sqlite';
import type { EventQuery } from '../collector/store/store';
import type { StoredEvent } from '../collector/domain/stored-event';
import { EventLog, random } from '../recommender';
import Database from 'better-sqlite3';
import { eventsFromLog, funnelFromLog, retentionFromLog } from '../collector/reports/event-reports';
import { logEvent } from '../collector/models/learner';
import { sqlFunnel, sqlRetention } from '../test/store/reference-sql';

const EVENTS = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-reports-'));
const file = path.join(dir, 'patron.db');
const store = openSqliteStore({ file, durability: 'normal', journal: false });
const rand = random(3);
const start = Date.UTC(2026, 0, 1);
const names = ['Product Viewed', 'Product Viewed', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];
let loaded = performance.now();
for (let i = 0; i < EVENTS; i += 10_000) {
  const page: StoredEvent[] = [];
  for (let j = i; j < i + 10_000; j++) {
    const event = names[Math.floor(rand() * names.length)];
    const product = `SKU-${Math.floor(rand() ** 2 * 5000)}`;
    const order = event === 'Order Completed';
    page.push({
      messageId: `m-${j}`,
      type: 'track',
      event,
      anonymousId: `a-${Math.floor(rand() * 100_000)}`,
      userId: null,
      sessionId: null,
      timestamp: start + Math.floor((j / EVENTS) * 180 * 86_400_000),
      receivedAt: Date.now(),
      properties: order ? { order_id: `o-${j}`, revenue: Math.round(rand() * 20_000) / 100, products: [{ product_id: product }] } : { product_id: product, category: `c${Math.floor(rand() * 8)}` },
      context: {},
      traits: null,
    });
  }
  await store.insertEvents(page);
}
loaded = performance.now() - loaded;
console.log(`1,000,000 events stored in ${(loaded / 1000).toFixed(1)} s (for the reports below)`);

// The collector answers from its in-memory event log (filled as it starts, by the same scan that feeds the
// models) what the log holds, and the rest in SQL; the SQL time is printed beside, for people reading the
// database directly.
const log = new EventLog();
let built = performance.now();
for await (const page of store.scanEvents(10_000)) for (const e of page) logEvent(log, e);
built = performance.now() - built;
console.log(`  event log: ${log.length.toLocaleString('en-US')} events read in ${built.toFixed(0)} ms at start (the models read them in the same pass), ${(log.bytes / 1e6).toFixed(0)} MB`);
const identities = await store.listIdentities();
// Retention and funnels in SQL as an analyst's own client computes them (the collector no longer runs this SQL).
const db = new Database(file, { readonly: true });
const linkedUser = (id: string) => identities.get(id);
const timed = async <T>(run: () => T | Promise<T>) => {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
};

const reports: [string, Partial<EventQuery>][] = [
  ['events by day', { interval: 'day', measures: ['count'] }],
  ['unique users and revenue by week', { interval: 'week', measures: ['users', 'revenue'] }],
  ['orders and revenue by month', { events: ['Order Completed'], interval: 'month', measures: ['count', 'revenue'] }],
  ['views by category (a property)', { events: ['Product Viewed'], by: 'prop.category', measures: ['count', 'users'] }],
  ['views by a property the log does not keep (prop.product_id, 5,000 groups)', { events: ['Product Viewed'], by: 'prop.product_id', measures: ['count'] }],
  ['views of one product by day', { productId: 'SKU-7', interval: 'day', measures: ['count'] }],
];
for (const [label, partial] of reports) {
  const q: EventQuery = { properties: [], measures: ['count'], limit: 100_000, ...partial };
  const fromLog = await timed(() => eventsFromLog(log, q, linkedUser));
  const sql = await timed(() => store.queryEvents(q));
  const ms = fromLog.value ? fromLog.ms : sql.ms;
  console.log(`  ${label}: ${ms.toFixed(0)} ms ${fromLog.value ? `from the event log (SQL ${sql.ms.toFixed(0)} ms)` : 'in SQL'}, ${sql.value.length} rows (target < 1,000 ms)`);
}
for (const basis of ['orders', 'visits'] as const) {
  const q = { interval: 'week', basis } as const;
  const fromLog = await timed(() => retentionFromLog(log, q, linkedUser));
  const sql = await timed(() => sqlRetention(db, q));
  console.log(
    `  weekly retention by first ${basis === 'orders' ? 'order' : 'visit'}: ${fromLog.ms.toFixed(0)} ms from the event log (SQL ${sql.ms.toFixed(0)} ms), ${fromLog.value.length} cells (target < 1,000 ms)`,
  );
}
{
  const q = { steps: ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'], windowMs: 7 * 86_400_000 };
  const fromLog = await timed(() => funnelFromLog(log, q, linkedUser));
  const sql = await timed(() => sqlFunnel(db, q));
  console.log(
    `  funnel of four steps within 7 days: ${fromLog.ms.toFixed(0)} ms from the event log (SQL ${sql.ms.toFixed(0)} ms), people per step ${fromLog.value.get('')!.join(', ')} (target < 1,000 ms)`,
  );
}

for (const format of ['ndjson', 'csv'] as const) {
  const out = fs.createWriteStream('/dev/null');
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of exportChunks(store, format)) {
    bytes += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `  export as ${format}: ${Math.round(EVENTS / seconds).toLocaleString('en-US')} rows/s (target >= 100,000), ${(bytes / 1e6).toFixed(0)} MB, heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
  );
}
db.close();
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
