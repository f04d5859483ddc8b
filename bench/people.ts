// A person's deletion among 1,000,000 stored events (targets: it finishes within seconds; ingest is never held up
// for more than a few milliseconds at a time), beside baselines measured in the same run: one plain scan of the
// events table for the person (what any unindexed lookup costs, all at once), and ingest with no deletion running.
// Run by `npm run bench` (BENCH_ONLY=people).

import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { viewBatch } from './views';
import Database from 'better-sqlite3';
import { createApp } from '../collector/app';
import type { StoredEvent } from '../collector/domain/stored-event';
import { createApplier } from '../collector/store/sqlite/journal-apply';
import { openSqliteStore } from '../collector/store/sqlite/sqlite';

const EVENTS = Number(process.env.BENCH_PEOPLE_EVENTS ?? 1_000_000);
const PEOPLE = 100_000;
const PERSON = 'person-42';
const KEYS = { write: ['pk_bench'], admin: ['sk_admin_bench'], analyst: ['sk_analyst_bench'] };
const admin = { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-bench-people-'));
const database = path.join(dir, 'patron.db');

/** Ten events a person over the last 90 days: views, and an order for every fifth. */
function eventAt(i: number): StoredEvent {
  const person = i % PEOPLE;
  const at = Date.now() - 90 * 86_400_000 + i * 7000;
  const product = `SKU-${(i * 2654435761) % 5000}`;
  const ordered = i % 5 === 0;
  return {
    messageId: randomUUID(),
    type: 'track',
    event: ordered ? 'Order Completed' : 'Product Viewed',
    anonymousId: `person-${person}`,
    userId: null,
    sessionId: null,
    timestamp: at,
    receivedAt: at,
    // Spend that varies, as a shop's does (with one price for every order Gamma-Gamma's fit has nothing to fit).
    properties: ordered ? { order_id: `o-${i}`, revenue: 10 + (i % 37), products: [{ product_id: product, price: 10 + (i % 37) }] } : { product_id: product },
    context: { page: { url: `https://shop.test/p/${product}` }, userAgent: 'Mozilla/5.0 (bench)' },
    traits: null,
  };
}

let started = performance.now();
// Written as the journal's worker writes them, a hundred thousand to a transaction (the tables made by the store).
await openSqliteStore({ file: database, journal: false }).close();
const seed = new Database(database);
const applier = createApplier(seed);
for (let i = 0; i < EVENTS; i += 100_000) applier.apply([{ header: { k: 'e', at: Date.now(), x: Array.from({ length: 100_000 }, (_, k) => eventAt(i + k)) } }]);
seed.close();
console.log(`${EVENTS.toLocaleString('en-US')} events of ${PEOPLE.toLocaleString('en-US')} people stored in ${((performance.now() - started) / 1000).toFixed(1)} s`);

// The baseline: one scan of the table for the person, all at once, on a connection of its own.
const raw = new Database(database, { readonly: true });
started = performance.now();
const theirs = raw.prepare('SELECT count(*) FROM events WHERE anonymous_id = ? OR user_id = ?').pluck().get(PERSON, PERSON) as number;
const scanMs = performance.now() - started;
raw.close();

const app = await createApp({
  keys: KEYS,
  database,
  log: process.env.BENCH_LOG ? console.log : () => {},
  sdkDir: false,
  rateLimits: false,
  segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e12 },
});
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** POST /v1/batch of 20 events one after another until `until()`: the latencies (ms). */
async function ingestWhile(until: () => boolean, least = 200): Promise<number[]> {
  const times: number[] = [];
  while (times.length < least || !until()) {
    const batch = viewBatch(20);
    const t = performance.now();
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: admin, body: JSON.stringify({ batch, writeKey: KEYS.write[0] }) });
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}
const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// The first refit (100,000 customers) runs at start: measured after it, as a shop runs between refits.
await app.patron.refits.refit();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
const idle = await ingestWhile(() => true, 1000);
const idleLoop = { max: loop.max / 1e6, p99: loop.percentile(99) / 1e6 };
loop.reset();

started = performance.now();
const asked = (await (await fetch(`${url}/v1/people/${PERSON}`, { method: 'DELETE', headers: admin })).json()) as { id: string };
let record: { status: string; removed: Record<string, number>; foundIn: string[] } = { status: 'pending', removed: {}, foundIn: [] };
let doneMs = 0;
const poll = (async () => {
  // Done and not verified after its last try: it says where an id was found.
  while (record.status !== 'verified' && !(record.status === 'done' && record.foundIn.length && performance.now() - started > 60_000)) {
    await new Promise((r) => setTimeout(r, 10));
    record = (await (await fetch(`${url}/v1/deletions/${asked.id}`, { headers: admin })).json()) as typeof record;
    if (record.status !== 'pending' && doneMs === 0) doneMs = performance.now() - started;
  }
})();
let polled = false;
void poll.then(() => (polled = true));
const during = await ingestWhile(() => polled);
await poll;
const verifiedMs = performance.now() - started;
const duringLoop = { max: loop.max / 1e6, p99: loop.percentile(99) / 1e6 };
loop.disable();

console.log(
  `one person (${theirs} events) deleted among ${EVENTS.toLocaleString('en-US')} in ${(doneMs / 1000).toFixed(2)} s, verified (tables, then the files byte by byte) in ${(verifiedMs / 1000).toFixed(2)} s (target: seconds); ` +
    `${(doneMs / scanMs).toFixed(1)}x one plain scan of the table for them (${scanMs.toFixed(0)} ms, all at once); removed ${JSON.stringify(record.removed)}`,
);
console.log(
  `  ingest (20 events a request) while deleting: p50 ${at(during, 0.5).toFixed(1)} ms, p99 ${at(during, 0.99).toFixed(1)} ms, max ${at(during, 1).toFixed(1)} ms (${during.length} requests); ` +
    `idle p50 ${at(idle, 0.5).toFixed(1)} ms, p99 ${at(idle, 0.99).toFixed(1)} ms, max ${at(idle, 1).toFixed(1)} ms: p99 ${(at(during, 0.99) / at(idle, 0.99)).toFixed(2)}x idle; ` +
    `event-loop delay while deleting p99 ${duringLoop.p99.toFixed(1)} ms, longest ${duringLoop.max.toFixed(1)} ms; idle p99 ${idleLoop.p99.toFixed(1)} ms, longest ${idleLoop.max.toFixed(1)} ms (target: a few ms)`,
);
server.close();
await app.patron.close();
fs.rmSync(dir, { recursive: true, force: true });
