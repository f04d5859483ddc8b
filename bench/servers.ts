// A server under load, started in its own process by bench/run.ts so the load generator does not share its
// event loop: `tsx bench/servers.ts patron|express|http [--simulate]`. Prints "READY <port>".

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import express from 'express';
import { createApp } from '../collector';
import { catalogItems, demoCatalog } from '../examples/catalog';
import { simulate } from '../examples/simulate';
import { INTERACTIONS, play, syntheticCatalog, syntheticSteps } from './synthetic';

export const BENCH_KEYS = { write: ['pk_bench'], admin: ['sk_admin_bench'], analyst: ['sk_analyst_bench'] };

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function main() {
  const [kind, flag] = process.argv.slice(2);
  let port: number;
  if (kind === 'patron') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-bench-'));
    // One load generator on one address: limits far above the load, so the limiter's cost is measured, not its effect.
    const rateLimits = { perKey: { rate: 1e9, burst: 1e9 }, perAddress: { rate: 1e9, burst: 1e9 }, bytesPerKey: { rate: 1e12, burst: 1e12 }, bytesPerAddress: { rate: 1e12, burst: 1e12 } };
    const app = await createApp({ keys: BENCH_KEYS, database: path.join(dir, 'patron.db'), log: () => {}, sdkDir: false, rateLimits });
    // Time each request inside the server too: the load generator's own pacing shows in what it measures.
    let durations: number[] = [];
    // GC pauses too: they delay every request queued behind them, whichever request they fall in.
    let gcs: number[] = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push(e.duration);
    }).observe({ entryTypes: ['gc'] });
    port = await listen(
      http.createServer((req, res) => {
        if (req.url === '/__settled') {
          // How long until the tables hold every acknowledged event (the journal's worker fills them behind).
          const started = performance.now();
          void app.patron.store.settled().then(async () => {
            const events = await app.patron.store.countEvents();
            res.end(JSON.stringify({ ms: performance.now() - started, events }));
          });
          return;
        }
        if (req.url === '/__timings') {
          const sorted = durations.sort((a, b) => a - b);
          durations = [];
          const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
          const gc = { count: gcs.length, totalMs: gcs.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...gcs) };
          gcs = [];
          return void res.end(JSON.stringify({ n: sorted.length, p50: pct(0.5), p99: pct(0.99), max: sorted[sorted.length - 1] ?? 0, gc }));
        }
        if (req.method === 'GET') {
          // Only the reads are timed (the recommendation benches ask for them): ingest pays nothing extra.
          const started = performance.now();
          res.on('finish', () => durations.push(performance.now() - started));
        }
        app.patron.handler(req, res);
      }),
    );
    if (flag === '--scale') {
      // 50,000 products and 1,000,000 interactions, loaded as a restart would: one bulk rebuild.
      const items = syntheticCatalog();
      await app.patron.catalog.upsert(items);
      const model = app.patron.learner.interactions;
      model.beginBulk(INTERACTIONS);
      play(model, syntheticSteps());
      model.endBulk();
    }
    if (flag === '--simulate') {
      const url = `http://127.0.0.1:${port}`;
      await fetch(`${url}/v1/catalog/items`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEYS.admin[0]}` },
        body: JSON.stringify({ items: catalogItems(demoCatalog()) }),
      });
      await simulate({ endpoint: url, writeKey: BENCH_KEYS.admin[0], shoppers: 400, days: 90, seed: 1 });
      await app.patron.refits.refit();
    }
  } else if (kind === 'express') {
    // The baseline: an Express route that only parses the same JSON body.
    const app = express();
    app.post(['/v1/batch', '/v1/track'], express.json({ limit: '500kb', type: ['application/json', 'text/plain'] }), (_req, res) => {
      res.json({ success: true });
    });
    port = await listen(http.createServer(app));
  } else if (kind === 'http') {
    // The floor: Node's http module running JSON.parse and nothing else (and a constant for a GET).
    port = await listen(
      http.createServer((req, res) => {
        if (req.method === 'GET') return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'));
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
        });
      }),
    );
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  console.log(`READY ${port}`);
}

process.on('SIGTERM', () => process.exit(0)); // lets --cpu-prof write its profile
void main();
