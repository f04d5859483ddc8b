// Webhooks' costs (targets: the state changes of 100,000 customers in one refit queued in under a second;
// delivered at the receiver's pace without slowing ingest), each beside a baseline measured in the same run:
// queueing beside writing the same rows' worth of stage changes, and ingest while 100,000 deliveries go out
// beside ingest with none. Run by `npm run bench` (BENCH_ONLY=webhooks).

import fs from 'node:fs';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { viewBatch } from './views';
import { createApp } from '../collector/app';
import type { CustomerEvent } from '../collector/webhooks/webhooks';

const CHANGES = 100_000;
const KEYS = { write: ['pk_bench'], admin: ['sk_admin_bench'], analyst: ['sk_analyst_bench'] };
const auth = { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' };

// A receiver that answers at once, in a process of its own (the collector's event loop is what is measured).
const RECEIVER = `
const http = require('node:http');
let received = 0;
http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(received));
  req.resume();
  req.on('end', () => { received++; res.writeHead(204).end(); });
}).listen(0, '127.0.0.1', function () { console.log('PORT ' + this.address().port); });`;
const child = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => child.stdout.on('data', (d: Buffer) => /PORT (\d+)/.test(String(d)) && resolve(Number(/PORT (\d+)/.exec(String(d))![1]))));
const hook = `http://127.0.0.1:${port}/hook`;
const received = async () => Number(await (await fetch(hook)).text());

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-bench-hooks-'));
const app = await createApp({
  keys: KEYS,
  database: path.join(dir, 'patron.db'),
  log: () => {},
  sdkDir: false,
  rateLimits: false,
  segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e12 },
  webhooks: { allowHosts: ['127.0.0.1'] },
});
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const { webhooks, store } = app.patron;

const now = Date.now();
const changes: CustomerEvent[] = Array.from({ length: CHANGES }, (_, i) => ({
  type: 'customer.stage_changed',
  customerId: `c${i}`,
  at: now,
  from: 'active',
  to: 'at-risk',
  key: `c${i}|${now}|at-risk`,
}));

// The baseline: the same number of stage changes written to the store (what a refit records anyway).
let started = performance.now();
await store.addStageChanges(changes.map((c) => ({ customerId: c.customerId!, at: c.at, from: 'active', to: 'at-risk' })));
const baselineMs = performance.now() - started;

// Paused while queueing: the queueing alone is timed, then the deliveries go out.
const sub = await webhooks.create({ url: hook, events: ['customer.stage_changed'], filters: {}, traits: ['stage'], valueDropShare: 0.2, enabled: false });
started = performance.now();
await webhooks.emit(changes);
const queueMs = performance.now() - started;
console.log(
  `${CHANGES.toLocaleString('en-US')} customers' state changes queued in ${queueMs.toFixed(0)} ms (target < 1,000 ms), ${(queueMs / baselineMs).toFixed(2)}x writing their stage changes (${baselineMs.toFixed(0)} ms)`,
);

/** POST /v1/batch of 20 events, `n` times one after another: the median latency. */
async function ingest(n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const batch = viewBatch(20);
    const t = performance.now();
    const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) });
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)];
}

const idle = await ingest(1000);
await webhooks.setState(sub.id, 'enabled');
started = performance.now();
// Ingest is measured once deliveries flow (the first batches are spread into the outbox's rows first).
while ((await received()) < 2000) await new Promise((r) => setTimeout(r, 20));
const before = await received();
const during = await ingest(1000);
const deliveredWhileIngesting = (await received()) - before;
while ((await received()) < CHANGES) await new Promise((r) => setTimeout(r, 100));
const deliverMs = performance.now() - started;
console.log(
  `  delivered at ${Math.round(CHANGES / (deliverMs / 1000)).toLocaleString('en-US')} a second to a receiver that answers at once (${(deliverMs / 1000).toFixed(1)} s for all); ` +
    `ingest (20 events a request) p50 ${during.toFixed(1)} ms while delivering (${deliveredWhileIngesting.toLocaleString('en-US')} delivered meanwhile), ${(during / idle).toFixed(2)}x idle (${idle.toFixed(1)} ms)`,
);
server.close();
await app.patron.close();
child.kill();
