// Webhooks survive kill -9: a burst of customer changes (orders, and the stage changes a refit finds in them)
// queued for a slow receiver, the collector SIGKILLed mid-delivery, restarted on the same file: every change
// reaches the receiver at least once, and a repeat carries the same webhook-id.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { KEYS, orderEvent, spawnCollector } from './helpers';

const DAY = 86_400_000;
const CUSTOMERS = 150;

describe('webhooks under kill -9', () => {
  it('deliver every change at least once after a restart, a repeat with the same id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patron-hook-crash-'));
    const database = path.join(dir, 'patron.db');
    // A receiver that takes its time, so the kill finds deliveries still queued.
    let secret = '';
    const received: { id: string; type: string; key: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        const p = new Webhook(secret).verify(body, req.headers as Record<string, string>) as { type: string; data: { customer: { id: string }; to?: string; order?: { messageId: string } } };
        received.push({ id: String(req.headers['webhook-id']), type: p.type, key: p.type === 'order.completed' ? p.data.order!.messageId : `${p.data.customer.id} ${p.data.to}` });
        setTimeout(() => res.writeHead(204).end(), 10);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const auth = { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' };
    let server = await spawnCollector(database, '--webhook-allow-hosts', '127.0.0.1');
    try {
      // Customers who stopped buying 200 days ago, beside regulars who buy every ten days (so that 200 days
      // without an order is a lapse in this shop), valued by a first refit.
      const now = Date.now();
      const lapsed = Array.from({ length: CUSTOMERS }, (_, i) => [0, 20, 40, 60].map((d) => orderEvent(`c${i}`, now - (260 - d) * DAY, 30))).flat();
      const regulars = Array.from({ length: CUSTOMERS }, (_, i) => Array.from({ length: 30 }, (_, k) => orderEvent(`r${i}`, now - (300 - 10 * k) * DAY - DAY, 30))).flat();
      const history = [...lapsed, ...regulars];
      for (let i = 0; i < history.length; i += 300)
        expect((await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch: history.slice(i, i + 300) }) })).status).toBe(200);
      expect((await fetch(`${server.url}/v1/segments/refit`, { method: 'POST', headers: auth })).status).toBe(200);
      const made = await fetch(`${server.url}/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: hookUrl, events: ['customer.stage_changed', 'order.completed'] }) });
      secret = ((await made.json()) as { secret: string }).secret;

      // Every lapsed one comes back today: an order each, and a refit that finds them reactivated.
      const burst = Array.from({ length: CUSTOMERS }, (_, i) => orderEvent(`c${i}`, now, 30));
      expect((await fetch(`${server.url}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch: burst }) })).status).toBe(200);
      expect((await fetch(`${server.url}/v1/segments/refit`, { method: 'POST', headers: auth })).status).toBe(200);
      // Killed once a count of deliveries has arrived: mid-burst, whatever the machine's pace.
      await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(20), { timeout: 120_000, interval: 20 });
      const exited = new Promise((r) => server.child.on('exit', r));
      server.child.kill('SIGKILL');
      await exited;
      const beforeRestart = received.length;

      server = await spawnCollector(database, '--webhook-allow-hosts', '127.0.0.1');
      const expected = new Set([...burst.map((e) => e.messageId), ...burst.map((e) => `${e.userId} reactivated`)]);
      await vi.waitFor(() => expect(new Set(received.map((r) => r.key).filter((k) => expected.has(k))).size).toBe(expected.size), { timeout: 240_000, interval: 100 });
      expect(beforeRestart).toBeLessThan(expected.size);
      // At least once; each change under one id however often it came.
      const ids = new Map<string, Set<string>>();
      for (const r of received) ids.set(r.key, (ids.get(r.key) ?? new Set()).add(r.id));
      expect([...ids.values()].every((s) => s.size === 1)).toBe(true);
      console.log(
        `webhooks under kill -9: ${beforeRestart} of ${expected.size} delivered before the kill, all ${expected.size} after the restart (${received.length - expected.size} repeats, each with its id)`,
      );
    } finally {
      server.child.kill('SIGTERM');
      receiver.closeAllConnections();
      receiver.close();
    }
  }, 400_000);
});
