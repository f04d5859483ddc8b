// The demo's webhook receiver: a small HTTP server on this machine that verifies each delivery's signature with
// the Standard Webhooks library (as any receiver would) and prints what it got, a line each.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

interface Payload {
  type: string;
  timestamp: string;
  data: { customer?: { id: string; [trait: string]: unknown }; from?: unknown; to?: unknown; order?: { id: string | null; revenue: number } };
}

/** One line for a person reading the terminal. */
export function describe(p: Payload): string {
  const who = p.data.customer?.id ?? '';
  if (p.type === 'order.completed') return `${p.type}: ${who} ordered ${p.data.order?.id ?? ''} (${p.data.order?.revenue ?? 0})`;
  const fmt = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : String(v));
  return `${p.type}: ${who} ${fmt(p.data.from)} -> ${fmt(p.data.to)}`;
}

export async function startReceiver(options: { port?: number; host?: string; log?: (line: string) => void } = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  let verifier: Webhook | null = null;
  const received: Payload[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        if (!verifier) throw new Error('no secret yet');
        const payload = verifier.verify(body, req.headers as Record<string, string>) as Payload;
        received.push(payload);
        log(`[webhook] ${describe(payload)}`);
        res.writeHead(204).end();
      } catch (error) {
        log(`[webhook] refused a request: ${(error as Error).message}`);
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    /** The subscription's secret, which the collector shows when it makes or rotates one. */
    trust(secret: string) {
      verifier = new Webhook(secret);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
