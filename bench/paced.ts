// An open-loop load at a fixed rate, as shoppers arrive: request k is due at start + k / rate whether or not
// earlier ones have been answered, and its latency counts from when it was due (so a stalled server cannot
// hide its stall by slowing the load down, which closed-loop tools and autocannon's overallRate do).

import http from 'node:http';

export interface PacedResult {
  sent: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

export async function paced(url: string, opts: { rate: number; seconds: number; path: (i: number) => string; connections?: number }): Promise<PacedResult> {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections ?? 20 });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies = new Float64Array(total);
  let errors = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    const due = start + (k * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      new Promise<void>((resolve) => {
        const req = http.get({ host: hostname, port, path: opts.path(k), agent }, (res) => {
          if (res.statusCode !== 200) errors++;
          res.resume();
          res.on('end', () => {
            latencies[k] = performance.now() - due;
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          latencies[k] = performance.now() - due;
          resolve();
        });
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort();
  const at = (q: number) => latencies[Math.min(total - 1, Math.floor(total * q))];
  return { sent: total, errors, p50: at(0.5), p99: at(0.99), max: latencies[total - 1] };
}
