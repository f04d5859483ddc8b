// What one hostile public request costs: a batch of 2,500 `Product Viewed` events for one visitor, each a
// different product (about 470 KB, within the limits), and orders of 500 lines. Prints the longest stall of
// the event loop (what a health check waits behind), how long until the request is learnt from, and the growth
// of resident memory over four such requests. Run by `npm run bench` in its own process.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createApp } from '../collector';

const KEY = 'pk_flood';
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

function views(visitor: string, n: number, from: number) {
  const at = Date.now() - 3_600_000;
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Product Viewed',
    messageId: randomUUID(),
    anonymousId: visitor,
    timestamp: new Date(at + i).toISOString(),
    properties: { product_id: `f${from + i}` },
  }));
}

function orders(visitor: string, count: number, lines: number, from: number) {
  const at = Date.now() - 3_600_000;
  return Array.from({ length: count }, (_, k) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: randomUUID(),
    anonymousId: visitor,
    timestamp: new Date(at + k).toISOString(),
    properties: { order_id: randomUUID(), revenue: lines, products: Array.from({ length: lines }, (_, i) => ({ product_id: `line-${from + k * lines + i}`, price: 1, quantity: 1 })) },
  }));
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-flood-'));
  const app = await createApp({
    keys: { write: [KEY], admin: ['sk_admin_flood'], analyst: ['sk_analyst_flood'] },
    database: path.join(dir, 'patron.db'),
    log: () => {},
    sdkDir: false,
    rateLimits: false,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Learning may run behind the acknowledgement (in slices): what the request cost includes it.
  const learnt = () => (app.patron.learner as { settled?: () => Promise<void> } | undefined)?.settled?.() ?? Promise.resolve();

  async function one(label: string, batchOf: (round: number) => object[], rounds: number) {
    let bytes = 0;
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const stalls: number[] = [];
    let total = 0;
    for (let r = 0; r < rounds; r++) {
      const body = JSON.stringify({ batch: batchOf(r) });
      bytes = Buffer.byteLength(body);
      // The request's own cost (the body is made before: this process is its client too).
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const started = performance.now();
      const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${await res.text()}`);
      await learnt();
      total += performance.now() - started;
      delay.disable();
      stalls.push(delay.max / 1e6);
    }
    global.gc?.();
    const rss = process.memoryUsage().rss;
    console.log(
      `${label} (${(bytes / 1024).toFixed(0)} KB, ${rounds} requests): longest event-loop stall ${Math.max(...stalls).toFixed(0)} ms (rounds: ${stalls.map((x) => x.toFixed(0)).join(' / ')}), stored and learnt in ${(total / rounds).toFixed(0)} ms each; resident memory +${mb(rss - rssBefore)} MB (${mb(rss)} MB)`,
    );
  }

  // A shop of 5,000 products (the flood's first ones are among them; the made-up ones after are not).
  await app.patron.catalog.upsert(Array.from({ length: 5000 }, (_, i) => ({ id: `f${i}`, name: `Product ${i}`, price: 10, in_stock: true, attributes: {} })));
  // A running collector has served ordinary traffic before a flood comes: its code is compiled for it.
  for (let r = 0; r < 200; r++) {
    const batch = [...views(`shopper-${r % 40}`, 18, r * 7), ...orders(`shopper-${r % 40}`, 2, 3, r * 7)];
    await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ batch }) });
  }
  await learnt();

  await one('2,500 Product Viewed, one visitor, 2,500 products', (r) => views(`v${r}`, 2500, r * 2500), 4);
  await one('5 orders of 500 lines, one visitor', (r) => orders(`orderer-${r}`, 5, 500, r * 2500), 4);
  // The same floods, 20 of each back to back from a client in a process of its own (as a flood comes from
  // elsewhere), with a monitor asking /health meanwhile.
  const health = await watched(url, async () => {
    const client = await started('flooder', url);
    client.stdin.end('go\n');
    const [code] = (await once(client, 'exit')) as [number];
    if (code !== 0) throw new Error(`flood: the client exited with ${code}`);
    await learnt();
  });
  console.log(`/health from another process during 20 of each: ${health}`);
  const healthAtScale = await watched(url, () => distinctIds(url, learnt));
  console.log(`/health from another process while a million ids came: ${healthAtScale}`);
  server.close();
  await app.patron.close();
  const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, 'restart', path.join(dir, 'patron.db')], { stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`restart: ${child.status}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Resident memory against distinct ids: batches of views, each by a new visitor of a new product (what a flood
 * of made-up ids costs, and what a shop's real growth costs), in steps of 100,000 events up to a million; then
 * how fast recommendations answer at that size, idle and while the flood goes on.
 */
async function distinctIds(url: string, learnt: () => Promise<void>) {
  const STEP = 100_000;
  const STEPS = Number(process.env.BENCH_DISTINCT_STEPS ?? 10);
  global.gc?.();
  const start = process.memoryUsage().rss;
  const figures: string[] = [];
  // The flood comes from a client in a process of its own, as the 20 floods do.
  const flood = async (from: number, to: number) => {
    const client = await started('newids', url, String(from), String(to));
    const [code] = (await once(client, 'exit')) as [number];
    if (code !== 0) throw new Error(`distinct ids: the client exited with ${code}`);
  };
  for (let step = 1; step <= STEPS; step++) {
    await flood((step - 1) * STEP, step * STEP);
    await learnt();
    global.gc?.();
    if (step % 2 === 0 || step === STEPS) figures.push(`${(step * STEP).toLocaleString('en')}: +${mb(process.memoryUsage().rss - start)} MB`);
  }
  console.log(`resident memory against distinct visitors and products (one view each): ${figures.join(', ')} (from ${mb(start)} MB)`);
  const size = STEPS * STEP;
  const idle = await recommendationTimes(url, size);
  const load = await started('newids', url, String(size), 'forever');
  const busy = await recommendationTimes(url, size);
  load.kill('SIGTERM');
  await once(load, 'exit');
  await learnt();
  console.log(
    `recommendations at ${size.toLocaleString('en')} distinct ids (a catalog of 5,000): p50 ${idle.p50} ms, p99 ${idle.p99} ms idle; p50 ${busy.p50} ms, p99 ${busy.p99} ms while batches of 2,000 new ids keep coming`,
  );
}

/** 300 recommendation requests in turn, for visitors and products among the first `known`. */
async function recommendationTimes(url: string, known: number) {
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const n = (i * 7919) % Math.min(known, 5000);
    const started = performance.now();
    const res = await fetch(`${url}/v1/recommendations?strategy=for-you&anonymousId=new-${n}&item=f${n}&limit=8&writeKey=${KEY}`);
    if (res.status !== 200) throw new Error(`recommendations: ${res.status}`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  return { p50: at(0.5), p99: at(0.99) };
}

/** A restarted collector on the flood's database: resident memory once its models are rebuilt (its own process). */
async function restarted(database: string) {
  global.gc?.();
  const before = process.memoryUsage().rss;
  const app = await createApp({ keys: { write: [KEY], admin: ['sk_admin_flood'], analyst: ['sk_analyst_flood'] }, database, log: () => {}, sdkDir: false, rateLimits: false });
  global.gc?.();
  const events = app.patron.learner.events.length;
  console.log(`after a restart on those ${events.toLocaleString('en')} events: resident memory +${mb(process.memoryUsage().rss - before)} MB (${mb(process.memoryUsage().rss)} MB)`);
  await app.patron.close();
}

/** A monitor in a process of its own: GET /health every 50 ms until told to stop, then the answer times. */
async function probe(url: string) {
  const times: number[] = [];
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  await (await fetch(`${url}/health`)).arrayBuffer(); // its own first request, before the work
  process.stdout.write('ready\n');
  while (!stopping) {
    const started = performance.now();
    const res = await fetch(`${url}/health`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
  process.stdout.write(`${times.length} checks, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, slowest ${at(1)} ms`);
}

/** The flood's client: makes 20 bodies of each flood, says "ready", and on "go" sends them in turn. */
async function flooder(url: string) {
  const bodies = Array.from({ length: 20 }, (_, r) => [views(`w${r}`, 2500, 10_000 + r * 2500), orders(`orders-${r}`, 5, 500, 10_000 + r * 2500)].map((batch) => JSON.stringify({ batch }))).flat();
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  for (const body of bodies) {
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`flood: ${res.status}`);
  }
  process.exit(0);
}

/** The distinct ids' client: batches of 2,000 views, each by a new visitor of a new product, from `from` to `to` (or until stopped). */
async function newIds(url: string, from: number, to: number) {
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  process.stdout.write('ready\n');
  for (let sent = from; sent < to && !stopping; sent += 2000) {
    const batch = Array.from({ length: 2000 }, (_, i) => views(`new-${sent + i}`, 1, sent + i)[0]);
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ batch }) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`distinct ids: ${res.status}`);
  }
  process.exit(0);
}

/** This script in a child process in `mode`, once it has said "ready" (what it prints after is in `printed()`). */
async function started(mode: 'probe' | 'flooder' | 'newids', url: string, ...args: string[]) {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, mode, url, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('ready\n')) resolve();
    }),
  );
  return Object.assign(child, { printed: () => out.replace('ready\n', '') });
}

/** Runs `work` with a health monitor beside it; what the monitor saw. */
async function watched(url: string, work: () => Promise<void>): Promise<string> {
  const monitor = await started('probe', url);
  await work();
  monitor.kill('SIGTERM');
  await once(monitor, 'exit');
  return monitor.printed();
}

if (process.argv[2] === 'restart') void restarted(process.argv[3]);
else if (process.argv[2] === 'probe') void probe(process.argv[3]);
else if (process.argv[2] === 'flooder') void flooder(process.argv[3]);
else if (process.argv[2] === 'newids') void newIds(process.argv[3], Number(process.argv[4]), process.argv[5] === 'forever' ? Infinity : Number(process.argv[5]));
else void main();
