// Reports over 1,000,000 stored events (target: under a second each) and the streamed export (target: at least
// 100,000 rows a second), on a fresh SQLite file. Run by `npm run bench`; prints lines, asserts nothing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportChunks } from '../collector/export';
import { openSqliteStore } from '../collector/store/sqlite';
import type { EventQuery, StoredEvent } from '../collector/store/types';
import { EventLog, canonicalPeople, random } from '../recommender';

const EVENTS = 1_000_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-reports-'));
const store = openSqliteStore({ file: path.join(dir, 'patron.db'), durability: 'normal' });
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

const reports: [string, Partial<EventQuery>][] = [
  ['events by day', { interval: 'day', measures: ['count'] }],
  ['unique users and revenue by week', { interval: 'week', measures: ['users', 'revenue'] }],
  ['orders and revenue by month', { events: ['Order Completed'], interval: 'month', measures: ['count', 'revenue'] }],
  ['views by category (a property)', { events: ['Product Viewed'], by: 'prop.category', measures: ['count', 'users'] }],
  ['views of one product by day', { productId: 'SKU-7', interval: 'day', measures: ['count'] }],
];
for (const [label, q] of reports) {
  const started = performance.now();
  const rows = await store.queryEvents({ properties: [], measures: ['count'], limit: 100_000, ...q });
  console.log(`  ${label}: ${(performance.now() - started).toFixed(0)} ms, ${rows.length} rows (target < 1,000 ms)`);
}

// Cohorts and funnels come from the collector's in-memory event log (built as it starts, from the same scan
// that feeds the models); the store's SQL gives the same answers, for people reading the database directly.
const log = new EventLog();
let built = performance.now();
for await (const page of store.scanRawEvents(10_000)) for (const e of page) log.add((e.userId ?? e.anonymousId)!, e.event, e.timestamp);
built = performance.now() - built;
console.log(`  event log for cohorts and funnels: ${log.length.toLocaleString('en-US')} events read in ${built.toFixed(0)} ms at start, ${(log.bytes / 1e6).toFixed(0)} MB`);
const identities = new Map(await store.listIdentities());
const funnelQuery = { steps: ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'], windowMs: 7 * 86_400_000 };
for (const basis of ['orders', 'visits'] as const) {
  let started = performance.now();
  const canonical = canonicalPeople(log, (id) => identities.get(id));
  const cells = log.cohorts({ interval: 'week', name: basis === 'orders' ? 'Order Completed' : undefined, canonical });
  const ms = performance.now() - started;
  started = performance.now();
  await store.retention({ interval: 'week', basis });
  const sql = performance.now() - started;
  console.log(`  weekly retention by first ${basis === 'orders' ? 'order' : 'visit'}: ${ms.toFixed(0)} ms, ${cells.length} cells (target < 1,000 ms; in SQL ${sql.toFixed(0)} ms)`);
}
{
  let started = performance.now();
  const counts = log.funnel({ ...funnelQuery, canonical: canonicalPeople(log, (id) => identities.get(id)) });
  const ms = performance.now() - started;
  started = performance.now();
  await store.funnel(funnelQuery);
  const sql = performance.now() - started;
  console.log(`  funnel of four steps within 7 days: ${ms.toFixed(0)} ms, people per step ${counts.get('')!.join(', ')} (target < 1,000 ms; in SQL ${sql.toFixed(0)} ms)`);
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
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
