// An open-loop load at a fixed rate, as shoppers arrive: request k is due at start + k / rate whether or not
// earlier ones have been answered. A request that finds every connection busy waits for one, and its latency
// counts from when it was due (so a stalled server cannot hide its stall by slowing the load down, which
// closed-loop tools and autocannon's overallRate do); one sent at once on an idle connection counts from when
// it went out (a timer of the load generator's firing late is not the server's time).
// pacedProcess() runs it in a process of its own, whose heap is only the load's: the bench's own collections
// do not pause the load generator and show up as the server's latency.

import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoCatalog } from '../examples/catalog';

export interface PacedResult {
  sent: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * The load on keep-alive connections of its own (a GET at a time on each, as browsers send them), written and
 * parsed by hand: Node's HTTP client costs several times what the server spends on a request, and on a
 * machine of two cores the load generator's work delays the server it measures.
 */
export async function paced(url: string, opts: { rate: number; seconds: number; path: (i: number) => string; connections?: number }): Promise<PacedResult> {
  const { hostname, port } = new URL(url);
  const total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  let errors = 0;
  let answered = 0;
  let finished: () => void = () => {};
  const allAnswered = new Promise<void>((resolve) => (finished = resolve));
  const start = performance.now();
  const dueOf = (k: number) => start + (k * 1000) / opts.rate;
  const waiting: number[] = [];
  const idle: Connection[] = [];

  interface Connection {
    socket: net.Socket;
    request: number;
    buffered: Buffer;
  }
  // Where each request's latency counts from: when it went out, or when it was due if it had to wait.
  const from = new Float64Array(total);
  const record = (k: number, ok: boolean) => {
    latencies[k] = performance.now() - from[k];
    if (!ok) errors++;
    if (++answered === total) finished();
  };
  /** A connection free again: the longest waiting request goes out on it. */
  const release = (c: Connection) => {
    c.request = -1;
    const next = waiting.shift();
    if (next === undefined) idle.push(c);
    else send(c, next);
  };
  const send = (c: Connection, k: number) => {
    c.request = k;
    c.socket.write(`GET ${opts.path(k)} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  };
  const open = () =>
    new Promise<Connection>((resolve, reject) => {
      const socket = net.connect({ host: hostname, port: Number(port), noDelay: true }, () => resolve(c));
      const c: Connection = { socket, request: -1, buffered: Buffer.alloc(0) };
      socket.on('error', reject);
      // The server may close a connection (its keep-alive timeout): what was asked on it is an error, and a
      // new connection takes its place.
      socket.on('close', () => {
        if (closing) return;
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (c.request >= 0) record(c.request, false);
        void open().then(release);
      });
      socket.on('data', (data: Buffer) => {
        c.buffered = c.buffered.length ? Buffer.concat([c.buffered, data]) : data;
        // Each response: a status line, headers, a body of Content-Length bytes (the collector always sends
        // one) or else chunks up to the empty one.
        for (;;) {
          const head = c.buffered.indexOf('\r\n\r\n');
          if (head < 0) return;
          const headers = c.buffered.toString('latin1', 0, head);
          const length = /\r\ncontent-length: *(\d+)/i.exec(headers)?.[1];
          let end: number;
          if (length !== undefined) end = head + 4 + Number(length);
          else {
            const last = c.buffered.indexOf('\r\n0\r\n\r\n', head);
            end = last < 0 ? Infinity : last + 7;
          }
          if (c.buffered.length < end) return;
          c.buffered = c.buffered.subarray(end);
          record(c.request, headers.startsWith('HTTP/1.1 200'));
          release(c);
        }
      });
    });
  let closing = false;
  idle.push(...(await Promise.all(Array.from({ length: opts.connections ?? 20 }, open))));
  for (let k = 0; k < total; k++) {
    const wait = dueOf(k) - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // The connection idle longest, so that every one is in use (none left to time out).
    const c = idle.shift();
    if (c) {
      from[k] = performance.now();
      send(c, k);
    } else {
      from[k] = dueOf(k);
      waiting.push(k);
    }
  }
  await allAnswered;
  closing = true;
  for (const c of idle) c.socket.destroy();
  latencies.sort();
  const at = (q: number) => latencies[Math.min(total - 1, Math.floor(total * q))];
  return { sent: total, errors, p50: at(0.5), p99: at(0.99), max: latencies[total - 1] };
}

const STRATEGIES = ['also-bought', 'also-viewed', 'for-you', 'popular'];
const demoIds = () => demoCatalog().map((p) => p.id);

/** The reads of the recommendation benches: the four strategies in turn, over many products and shoppers. */
export const READS = {
  /** The demo store with its simulated history (200 products, 400 simulated shoppers). */
  demo:
    (ids = demoIds()) =>
    (i: number) =>
      `/v1/recommendations?strategy=${STRATEGIES[i % 4]}&item=${ids[(i * 7) % ids.length]}&anonymousId=sim-1-${i % 400}&limit=8&writeKey=pk_bench`,
  /** The synthetic shop at scale: 50,000 products, 100,000 shoppers. */
  scale: () => (i: number) => `/v1/recommendations?strategy=${STRATEGIES[i % 4]}&item=i${(i * 7919) % 50_000}&anonymousId=u${(i * 104_729) % 100_000}&limit=8&writeKey=pk_bench`,
};

/** paced() in a child process, over READS[reads] from request number `from` on. */
export async function pacedProcess(url: string, opts: { rate: number; seconds: number; reads: keyof typeof READS; from?: number }): Promise<PacedResult> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, url, String(opts.rate), String(opts.seconds), opts.reads, String(opts.from ?? 0)];
  const child = spawn(process.execPath, args, { cwd: path.dirname(self), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as PacedResult;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [url, rate, seconds, reads, from] = process.argv.slice(2);
  const pathOf = READS[reads as keyof typeof READS]();
  const result = await paced(url, { rate: Number(rate), seconds: Number(seconds), path: (k) => pathOf(k + Number(from)) });
  process.stdout.write(JSON.stringify(result));
}
