// `npm run bench`: prints Patron's figures, each beside a baseline measured in the same run.
//   1. gzip size of dist/patron.js (budget 5 KB, as test/sdk/bundle.test.ts holds it)
//   2. POST /v1/batch, 20 events a request: events/s and p99, beside a bare Express route and bare node:http
//      (load from wrk where installed), and how long Patron's tables take to hold every acknowledged event
//   3. POST /v1/track, one event a request (what a beacon sends)
//   4. GET /v1/recommendations with the simulated demo history loaded: p50/p99 at 1,000 req/s, and max req/s
//   5. the same at 50,000 products and 1,000,000 interactions
//   6. the recommender's full rebuild from 1,000,000 interactions, one order's update, query times
//   7. CLV fits (CDNOW, 100,000 customers) and k-means on 100,000 customers beside scikit-learn
//   8. reports over 1,000,000 events and the streamed export
//   9. experiments: assignment per recommendation, and the analysis of 1,000,000 exposures
//  10. webhooks: 100,000 customers' changes queued, delivered, and ingest meanwhile
//  11. a person's deletion among 1,000,000 events, and ingest meanwhile

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { READS, pacedProcess, type PacedResult } from './paced';

const ROOT = path.resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const AUTH = `Basic ${Buffer.from('pk_bench:').toString('base64')}`;

interface Server {
  url: string;
  child: ChildProcess;
}

async function start(kind: string, ...flags: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/servers.ts'), kind, ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /READY (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

function stop(server: Server) {
  server.child.kill('SIGKILL');
}

/** One event as the SDK sends it; `@@` becomes a unique messageId, `##` the time it was made. */
const EVENT = JSON.stringify({
  type: 'track',
  event: 'Product Viewed',
  messageId: '@@',
  anonymousId: 'bench-visitor-0001',
  timestamp: '##',
  properties: { product_id: 'SKU-042', name: 'Studio Burr Grinder', category: 'Kitchen', price: 129.99, currency: 'EUR' },
  context: {
    page: { url: 'https://shop.test/product.html?id=SKU-042', path: '/product.html', referrer: '', title: 'Studio Burr Grinder' },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
    locale: 'en-GB',
    library: { name: 'patron.js', version: '0.1.0' },
    sessionId: '7d1e0c38-6c1f-4d7e-9d51-1f2c4f0b9a11',
  },
}).split(/@@|##/);

let counter = 0;
const run = `${process.pid}-${Date.now().toString(36)}`;
// A random-looking messageId, as real clients send (a UUID v4), so dedup is measured at its real cost.
const messageId = () => `${run}-${((counter++ * 2654435761) >>> 0).toString(16)}-${counter}`;
function event(now: string): string {
  return `${EVENT[0]}${messageId()}${EVENT[1]}${now}${EVENT[2]}`;
}
/** Like batchBody, but from many shoppers viewing many products, so learning costs what it does in a real shop. */
let shopper = 0;
function diverseBody(events: number): string {
  const now = new Date().toISOString();
  const parts: string[] = [];
  for (let i = 0; i < events; i++) {
    shopper = (shopper + 7919) % 100_000;
    const product = Math.floor(Math.pow(((counter * 2654435761) >>> 0) / 4294967296, 2.2) * 50_000);
    parts.push(event(now).replace('"bench-visitor-0001"', `"shopper-${shopper}"`).replace('"SKU-042"', `"SKU-${product}"`));
  }
  return `{"batch":[${parts.join(',')}]}`;
}

function batchBody(events: number): string {
  const now = new Date().toISOString();
  const parts: string[] = [];
  for (let i = 0; i < events; i++) parts.push(event(now));
  return `{"batch":[${parts.join(',')}]}`;
}
function singleBody(): string {
  return event(new Date().toISOString());
}

async function load(url: string, opts: { path: string; body: () => string; connections?: number; seconds?: number }) {
  const result = await autocannon({
    url,
    connections: opts.connections ?? 50,
    duration: opts.seconds ?? DURATION,
    requests: [
      {
        method: 'POST',
        path: opts.path,
        headers: { 'content-type': 'application/json', authorization: AUTH },
        setupRequest: (req) => ({ ...req, body: opts.body() }),
      },
    ],
  });
  const ok = result['2xx'];
  return { requestsPerSecond: ok / (opts.seconds ?? DURATION), p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((f) => fs.existsSync(f));

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk with bench/ingest.lua: the same events as `batchBody` and `diverseBody`, made in C-speed Lua. */
function wrkLoad(url: string, opts: { path: string; events: number; diverse?: boolean; seconds: number; connections?: number }): Promise<Load> {
  const args = ['-t1', `-c${opts.connections ?? 50}`, `-d${opts.seconds}s`, '-s', path.join(ROOT, 'bench/ingest.lua'), url, '--', opts.path, String(opts.events), opts.diverse ? '1' : '0'];
  return new Promise((resolve, reject) => {
    const child = spawn(WRK!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', () => {
      const m = /RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(out);
      if (!m) return reject(new Error(`wrk said: ${out}`));
      const [requests, micros, errors, p50, p99] = m.slice(1).map(Number);
      resolve({ requestsPerSecond: (requests - errors) / (micros / 1e6), p50: Number(p50.toFixed(1)), p99: Number(p99.toFixed(1)), errors });
    });
  });
}

/** The load of one ingest measurement: wrk where Debian's package is installed, else autocannon. */
function ingestLoad(url: string, opts: { path: string; events: number; diverse?: boolean; warmUp?: boolean }): Promise<Load> {
  const seconds = opts.warmUp ? Math.min(3, DURATION) : DURATION;
  if (WRK) return wrkLoad(url, { ...opts, seconds, connections: opts.warmUp ? 20 : 50 });
  const body = opts.events === 1 ? singleBody : opts.diverse ? () => diverseBody(opts.events) : () => batchBody(opts.events);
  return load(url, { path: opts.path, body, connections: opts.warmUp ? 20 : 50, seconds });
}

/** How long after the load the collector's tables held every acknowledged event, and how many it holds. */
async function settled(server: Server): Promise<{ ms: number; events: number }> {
  return (await (await fetch(`${server.url}/__settled`)).json()) as { ms: number; events: number };
}

// The machine's speed drifts from minute to minute (its cores are shared): each server is measured in turn,
// round after round, and each figure is the median of its rounds.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function ingest() {
  const servers = [
    ['Patron /v1/batch (durable, dedup)', 'patron'],
    ['bare Express + express.json()', 'express'],
    ['bare node:http + JSON.parse', 'http'],
  ] as const;
  const runs = servers.map(() => [] as Load[]);
  const catchUps: { ms: number; events: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, kind]] of servers.entries()) {
      const server = await start(kind);
      try {
        await ingestLoad(server.url, { path: '/v1/batch', events: 20, warmUp: true });
        if (kind === 'patron') await settled(server);
        runs[i].push(await ingestLoad(server.url, { path: '/v1/batch', events: 20 }));
        if (kind === 'patron') catchUps.push(await settled(server));
      } finally {
        stop(server);
      }
    }
  }
  const load = WRK ? 'wrk' : 'autocannon (install wrk for a load generator that leaves the server more of the machine)';
  console.log(`\nIngest, batches of 20 events (${DURATION} s each, 50 connections, load from ${load}; median of ${ROUNDS} rounds, servers in turn):`);
  const eps = runs.map((r) => median(r.map((x) => x.requestsPerSecond * 20)));
  for (const [i, [label]] of servers.entries()) {
    const r = runs[i];
    const each = r.map((x) => fmt(x.requestsPerSecond * 20)).join(' / ');
    console.log(
      `  ${label.padEnd(36)} ${fmt(eps[i]).padStart(9)} events/s   p50 ${median(r.map((x) => x.p50))} ms   p99 ${median(r.map((x) => x.p99))} ms   errors ${r.reduce((n, x) => n + x.errors, 0)}   (rounds: ${each})`,
    );
  }
  const ratios = (a: number, b: number) => runs[a].map((x, k) => (x.requestsPerSecond / runs[b][k].requestsPerSecond).toFixed(2)).join(' / ');
  console.log(`  Patron / Express: ${(eps[0] / eps[1]).toFixed(2)}x (rounds: ${ratios(0, 1)})   Patron / node:http: ${(eps[0] / eps[2]).toFixed(2)}x (rounds: ${ratios(0, 2)})`);
  const catchUp = median(catchUps.map((c) => c.ms));
  console.log(
    `  Patron's tables held every acknowledged event ${fmt(catchUp)} ms after the load ended (median); ` +
      `acknowledged and in the tables: ${fmt((eps[0] * DURATION) / (DURATION + catchUp / 1000))} events/s`,
  );

  const diverse = await start('patron');
  try {
    await ingestLoad(diverse.url, { path: '/v1/batch', events: 20, diverse: true, warmUp: true });
    const r = await ingestLoad(diverse.url, { path: '/v1/batch', events: 20, diverse: true });
    console.log(`  Patron /v1/batch, 100,000 shoppers and 50,000 products (learning as in a real shop): ${fmt(r.requestsPerSecond * 20)} events/s   p99 ${r.p99} ms`);
  } finally {
    stop(diverse);
  }

  const server = await start('patron');
  try {
    await ingestLoad(server.url, { path: '/v1/track', events: 1, warmUp: true });
    const r = await ingestLoad(server.url, { path: '/v1/track', events: 1 });
    console.log(`\nSingle-event requests (a beacon), Patron /v1/track: ${fmt(r.requestsPerSecond)} events/s   p50 ${r.p50} ms   p99 ${r.p99} ms   errors ${r.errors}`);
  } finally {
    stop(server);
  }
}

async function recommendations() {
  const server = await start('patron', '--simulate');
  const pathOf = READS.demo();
  let i = 0;
  const next = () => pathOf(i++);
  const measure = (overallRate?: number) =>
    autocannon({
      url: server.url,
      connections: 20,
      duration: DURATION,
      ...(overallRate ? { overallRate } : {}),
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) }],
    });
  try {
    await measure(); // warm-up
    await timings(server);
    const load = await pacedProcess(server.url, { rate: 1000, seconds: DURATION, reads: 'demo', from: i });
    const handling = await timings(server);
    const flat = await measure();
    console.log('\nGET /v1/recommendations, demo history loaded (200 products, ~30,000 events), 4 strategies in turn:');
    console.log(`  at 1,000 req/s: ${pacedLine(load, handling)}`);
    console.log(`  flat out:       ${fmt(flat['2xx'] / DURATION)} req/s   p50 ${flat.latency.p50} ms   p99 ${flat.latency.p99} ms`);
  } finally {
    stop(server);
  }
}

function bundle() {
  const code = fs.readFileSync(path.join(ROOT, 'dist/patron.js'));
  const gz = gzipSync(code, { level: 9 }).length;
  console.log(`dist/patron.js: ${fmt(code.length)} bytes, ${fmt(gz)} bytes gzip (budget 5,120: ${((gz / 5120) * 100).toFixed(0)}% used)`);
}

interface Timings {
  p50: number;
  p99: number;
  gc: { count: number; totalMs: number; maxMs: number };
}

/** What the server measured itself since the last call: request handling and its GC pauses. */
const timings = async (server: Server) => (await (await fetch(`${server.url}/__timings`)).json()) as Timings;

const pacedLine = (load: PacedResult, s: Timings) =>
  `client p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms, max ${load.max.toFixed(1)} ms (open loop: from when sent, or from when due for a request that waited for a connection); ` +
  `server handling p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms; GC ${s.gc.count} pauses, ${s.gc.totalMs.toFixed(0)} ms in all, longest ${s.gc.maxMs.toFixed(1)} ms; errors ${load.errors}`;

/** Serving at the scale issue 4 names: 50,000 products, 1,000,000 interactions, 1,000 requests a second. */
async function recommendationsAtScale() {
  const server = await start('patron', '--scale');
  try {
    await pacedProcess(server.url, { rate: 1000, seconds: DURATION, reads: 'scale' }); // warm-up
    await timings(server);
    const load = await pacedProcess(server.url, { rate: 1000, seconds: DURATION, reads: 'scale', from: 1000 * DURATION });
    const handling = await timings(server);
    console.log('\nGET /v1/recommendations at scale (50,000 products, 1,000,000 interactions), 1,000 req/s, 4 strategies in turn:');
    console.log(`  ${pacedLine(load, handling)}`);
  } finally {
    stop(server);
  }
  // What this machine adds by itself: the same load on a server that answers every GET with a constant.
  const floor = await start('http');
  try {
    const load = await pacedProcess(floor.url, { rate: 1000, seconds: DURATION, reads: 'scale' });
    console.log(`  the floor, bare node:http answering {} under the same load: client p50 ${load.p50.toFixed(2)} ms, p99 ${load.p99.toFixed(2)} ms, max ${load.max.toFixed(1)} ms`);
  } finally {
    stop(floor);
  }
}

/** A bench script in its own process (its heap figures are its own), its lines indented. */
async function script(file: string, ...args: string[]) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'bench', file), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (d: Buffer) => process.stdout.write(String(d).replace(/^(?=.)/gm, '  ')));
  await new Promise((resolve) => child.on('exit', resolve));
}

async function scale() {
  console.log('\nRecommender at scale (50,000 products, 100,000 shoppers, 1,000,000 interactions):');
  await script('scale.ts', '--compare');
}

async function customers() {
  console.log('\nCustomer models:');
  await script('clv.ts');
  await script('kmeans.ts');
}

async function main() {
  console.log(`Patron bench on ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  // BENCH_ONLY=ingest,recommendations,serving-at-scale,scale,customers,flood,reports,experiments,webhooks,people runs a part.
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (part: string) => !only || only.includes(part);
  bundle();
  if (want('ingest')) await ingest();
  if (want('recommendations')) await recommendations();
  if (want('serving-at-scale')) await recommendationsAtScale();
  if (want('scale')) await scale();
  if (want('customers')) await customers();
  if (want('flood')) {
    console.log('\nOne hostile request (the write key is public):');
    await script('flood.ts');
  }
  if (want('reports')) {
    console.log('\nReports and exports over 1,000,000 events:');
    await script('reports.ts');
  }
  if (want('experiments')) {
    console.log('\nExperiments:');
    await script('experiments.ts');
  }
  if (want('webhooks')) {
    console.log('\nWebhooks:');
    await script('webhooks.ts');
  }
  if (want('people')) {
    console.log('\nA person deleted on request:');
    await script('people.ts');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
