// Webhooks end to end against a real receiver that verifies every request with the standardwebhooks library: a
// subscription made over the API, a customer's change found by a refit and delivered signed; retries on 5xx and
// time-outs that stop at a 2xx, the same webhook-id on each; 410 disabling; spent attempts pausing.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../collector/store/sqlite/sqlite';
import type { SubscriptionRecord } from '../../collector/domain/webhook';
import { Dispatcher } from '../../collector/webhooks/dispatcher';
import { RETRY_DELAYS_MS } from '../../collector/webhooks/schedule';
import type { WireEvent } from '../../sdk/wire';
import { KEYS, get, orderEvent as order, post, startCollector, visitorsIn, type Running } from './helpers';

const DAY = 86_400_000;
// Waits for a state (never a pace): as long as a busy machine needs.
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 60_000, interval: 50 });

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that answers each request with the next of `answers` (then 200), and keeps them all. */
async function receiver() {
  const received: Received[] = [];
  const answers: (number | 'hang')[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += String(d)));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const answer = answers.shift() ?? 200;
      if (answer === 'hang') return;
      res.writeHead(answer).end(answer === 200 ? 'thanks' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answers,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('webhooks over the API, from a refit to a receiver', () => {
  let c: Running;
  let r: Awaited<ReturnType<typeof receiver>>;
  const admin = (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
    fetch(`${c.url}${path}`, { method, headers: { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(
      async (res) => ({ status: res.status, body: res.status === 204 ? null : await res.json() }),
    );

  beforeAll(async () => {
    r = await receiver();
    c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9, k: 2, seed: 1 }, webhooks: { allowHosts: ['127.0.0.1'], timeoutMs: 5000 } });
    // 40 regulars buying every 10 days for a year; half of them stopped 200 days ago.
    const now = Date.now();
    const events: WireEvent[] = [];
    for (let i = 0; i < 40; i++) for (let at = now - 365 * DAY; at < now - (i % 2 ? 200 : 1) * DAY; at += 10 * DAY) events.push(order(`c${i}`, at, 20 + i));
    expect((await post(`${c.url}/v1/batch`, { batch: events.slice(0, 500) }, { key: KEYS.admin[0] })).status).toBe(200);
    expect((await post(`${c.url}/v1/batch`, { batch: events.slice(500) }, { key: KEYS.admin[0] })).status).toBe(200);
    expect((await admin('/v1/segments/refit', {})).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
    r?.close();
  });

  it('subscribes an endpoint, shows its secret once, and refuses what it cannot send to', async () => {
    const made = await admin('/v1/webhooks', { url: r.url, events: ['customer.stage_changed'], traits: ['stage', 'clv'] });
    expect(made.status).toBe(201);
    expect(made.body.secret).toMatch(/^whsec_/);
    const listed = await admin('/v1/webhooks');
    expect(listed.body.subscriptions).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret);
    const plain = await admin('/v1/webhooks', { url: 'http://example.com/hook', events: ['order.completed'] });
    expect(plain.status).toBe(400);
    expect(plain.body.error.issues[0].path).toBe('url');
    expect((await admin('/v1/webhooks', { url: r.url, events: ['customer.lost_interest'] })).body.error.issues[0].path).toMatch(/^events/);
    expect((await fetch(`${c.url}/v1/webhooks`, { headers: { authorization: `Bearer ${KEYS.analyst[0]}` } })).status).toBe(401);
  });

  it('delivers a lapsed customer coming back, signed as the standard library verifies, with the traits allowed', async () => {
    const { body: subs } = await admin('/v1/webhooks');
    const id = subs.subscriptions[0].id;
    const { body: rotated } = await admin(`/v1/webhooks/${id}/rotate`, { graceHours: 1 });
    expect((await post(`${c.url}/v1/batch`, { batch: [order('c1', Date.now(), 99)] }, { key: KEYS.admin[0] })).status).toBe(200);
    expect((await admin('/v1/segments/refit', {})).status).toBe(200);
    await eventually(() => expect(r.received.some((x) => x.body.includes('"reactivated"'))).toBe(true));
    const hook = r.received.find((x) => x.body.includes('"reactivated"'))!;
    const payload = new Webhook(rotated.secret).verify(hook.body, hook.headers as Record<string, string>) as { type: string; data: Record<string, any> };
    expect(payload).toMatchObject({
      type: 'customer.stage_changed',
      data: { customer: { id: 'c1', stage: 'reactivated', clv: expect.any(Number), url: '/v1/customers/c1/history' }, from: 'lapsed', to: 'reactivated' },
    });
    expect(Object.keys(payload.data.customer).sort()).toEqual(['clv', 'id', 'stage', 'url']);
    // The dispatcher's thread records the answer after the receiver has it: the log is read once it has.
    const reactivated = async () =>
      ((await admin(`/v1/webhooks/${id}/deliveries`)).body.deliveries as { id: string; state: string; payload: { data: { to: string } } }[]).find((d) => d.payload.data.to === 'reactivated')!;
    await vi.waitFor(async () => expect((await reactivated()).state).toBe('delivered'), { timeout: 60_000, interval: 50 });
    const delivered = await reactivated();
    expect(delivered).toMatchObject({ state: 'delivered', attempts: 1, log: [{ status: 200, excerpt: 'thanks' }] });
    // Replayed: the same id again.
    expect((await admin(`/v1/webhooks/${id}/replay`, { ids: [delivered.id] })).body).toEqual({ replayed: 1 });
    await eventually(() => expect(r.received.filter((x) => x.headers['webhook-id'] === delivered.id)).toHaveLength(2));
  });

  it("pauses and resumes at the merchant's word, and /health counts the subscriptions", async () => {
    // The replay above is recorded by the dispatcher's thread once the receiver has answered.
    await vi.waitFor(async () => expect((await admin('/v1/webhooks')).body.subscriptions[0].deliveries.delivered).toBeGreaterThan(0), { timeout: 60_000, interval: 50 });
    const { body: subs } = await admin('/v1/webhooks');
    const id = subs.subscriptions[0].id;
    expect((await admin(`/v1/webhooks/${id}/pause`, {})).body).toMatchObject({ state: 'paused', reason: 'paused by the merchant' });
    const health = await (await fetch(`${c.url}/health`)).json();
    expect(health.webhooks).toEqual({ subscriptions: 1, enabled: 0, paused: 1, disabled: 0 });
    // The merchant's own pause is no problem to report.
    expect(health.problems.filter((p: string) => p.includes('webhook'))).toEqual([]);
    expect((await admin(`/v1/webhooks/${id}/resume`, {})).body.state).toBe('enabled');
    expect((await admin('/v1/webhooks/wh_nothing')).status).toBe(404);
  });
});

describe('order.completed', () => {
  it('is sent for each order acknowledged after the subscription, once, and not again after a restart', async () => {
    const r = await receiver();
    let c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 }, webhooks: { allowHosts: ['127.0.0.1'] } });
    try {
      // An order before there was any subscription is not sent later.
      expect((await post(`${c.url}/v1/batch`, { batch: [order('early', Date.now() - DAY, 5)] }, { key: KEYS.admin[0] })).status).toBe(200);
      const made = await fetch(`${c.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: r.url, events: ['order.completed'], traits: ['orders'] }),
      });
      const { secret } = (await made.json()) as { secret: string };
      const sent = order('buyer', Date.now(), 42);
      expect((await post(`${c.url}/v1/batch`, { batch: [sent] }, { key: KEYS.admin[0] })).status).toBe(200);
      await eventually(() => expect(r.received).toHaveLength(1));
      const payload = new Webhook(secret).verify(r.received[0].body, r.received[0].headers as Record<string, string>) as { type: string; data: Record<string, any> };
      expect(payload).toMatchObject({
        type: 'order.completed',
        timestamp: sent.timestamp,
        data: { customer: { id: 'buyer', url: '/v1/customers/buyer/history' }, order: { id: sent.properties!.order_id, revenue: 42, messageId: sent.messageId } },
      });
      await c.stop();
      c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 }, webhooks: { allowHosts: ['127.0.0.1'] } }, c.dir);
      // The rebuild replays both orders to the follower: neither is queued again.
      await c.app.patron.learner.settled();
      const again = await fetch(`${c.url}/v1/webhooks`, { headers: { authorization: `Bearer ${KEYS.admin[0]}` } });
      const id = ((await again.json()) as { subscriptions: { id: string }[] }).subscriptions[0].id;
      const log = await fetch(`${c.url}/v1/webhooks/${id}/deliveries`, { headers: { authorization: `Bearer ${KEYS.admin[0]}` } });
      expect(((await log.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(1);
      expect(r.received).toHaveLength(1);
    } finally {
      await c.stop();
      r.close();
    }
  });
});

describe('the dispatcher', () => {
  const subscription = (url: string): SubscriptionRecord => ({
    id: 'wh_test',
    definition: { url, events: ['customer.stage_changed'], filters: {}, traits: [], valueDropShare: 0.2, enabled: true },
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: 0, expiresAt: null }],
    state: 'enabled',
    reason: null,
    failures: 0,
    createdAt: 0,
    updatedAt: 0,
  });

  async function setup(url: string) {
    const store = openSqliteStore({ file: ':memory:' });
    let clock = Date.UTC(2026, 11, 2);
    let record = subscription(url);
    await store.saveSubscription(record);
    const dispatcher = new Dispatcher(
      store,
      { get: () => record, change: async (change) => void (await store.saveSubscription((record = { ...record, ...change }))) },
      { now: () => clock, allowHosts: ['127.0.0.1'], timeoutMs: 2000 },
    );
    const queue = (id: string) =>
      store.enqueueDeliveries([
        {
          id,
          subscriptionId: 'wh_test',
          customerId: 'c1',
          type: 'customer.stage_changed',
          payload: `{"type":"customer.stage_changed","id":"${id}"}`,
          createdAt: clock,
          dueAt: clock,
          attempts: 0,
          state: 'pending',
        },
      ]);
    return { store, dispatcher, queue, advance: (ms: number) => (clock += ms), record: () => record };
  }

  it('retries on 5xx and time-outs, with the same id, and stops at the first 2xx', async () => {
    const r = await receiver();
    const { store, dispatcher, queue, advance } = await setup(r.url);
    try {
      r.answers.push(500, 'hang', 503);
      await queue('msg_retry');
      for (let attempt = 1; attempt <= 4; attempt++) {
        await dispatcher.kick();
        // The next attempt falls due after the schedule's delay (and its jitter).
        advance(RETRY_DELAYS_MS[attempt] * 1.1 + 1);
      }
      await dispatcher.kick();
      expect(r.received.map((x) => x.headers['webhook-id'])).toEqual(['msg_retry', 'msg_retry', 'msg_retry', 'msg_retry']);
      const [d] = await store.listDeliveries({ subscriptionId: 'wh_test', limit: 1 });
      expect(d).toMatchObject({ state: 'delivered', attempts: 4, dueAt: null });
      expect(d.log.map((a) => a.status)).toEqual([500, null, 503, 200]);
      expect(d.log[1].excerpt).toMatch(/no answer within 2000 ms/);
    } finally {
      await dispatcher.close();
      r.close();
      await store.close();
    }
  });

  it('disables the subscription at a 410, and pauses it when a delivery spends every attempt', async () => {
    const r = await receiver();
    const gone = await setup(r.url);
    const failing = await setup(r.url);
    try {
      r.answers.push(410);
      await gone.queue('msg_gone');
      await gone.dispatcher.kick();
      expect(gone.record()).toMatchObject({ state: 'disabled', reason: expect.stringContaining('410') });
      r.answers.push(...RETRY_DELAYS_MS.map(() => 500));
      await failing.queue('msg_failing');
      await failing.queue('msg_after');
      for (let attempt = 1; attempt <= RETRY_DELAYS_MS.length; attempt++) {
        await failing.dispatcher.kick();
        failing.advance((RETRY_DELAYS_MS[attempt] ?? 0) * 1.1 + 1);
      }
      expect(failing.record()).toMatchObject({ state: 'paused', reason: expect.stringContaining('msg_failing') });
      const deliveries = await failing.store.listDeliveries({ subscriptionId: 'wh_test', limit: 10 });
      expect(deliveries.map((d) => [d.id, d.state, d.attempts])).toEqual([
        ['msg_after', 'pending', 0],
        ['msg_failing', 'failed', RETRY_DELAYS_MS.length],
      ]);
    } finally {
      await Promise.all([gone.dispatcher.close(), failing.dispatcher.close()]);
      r.close();
      await Promise.all([gone.store.close(), failing.store.close()]);
    }
  });
});

describe('experiment.decided', () => {
  // By user id, as the orders are (helpers.orderEvent): the same person.
  const viewed = (userId: string, variation: string): WireEvent => ({
    type: 'track',
    event: 'Experiment Viewed',
    messageId: randomUUID(),
    userId,
    timestamp: new Date().toISOString(),
    properties: { experiment_id: 'banner', variation_id: variation },
  });

  it('is sent once when an experiment reaches a decision, at the refit that finds it', async () => {
    const r = await receiver();
    const c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9 }, webhooks: { allowHosts: ['127.0.0.1'] } });
    const admin = (path: string, body: unknown) => post(`${c.url}${path}`, body, { key: KEYS.admin[0] });
    try {
      const made = await admin('/v1/webhooks', { url: r.url, events: ['experiment.decided'] });
      expect(made.status).toBe(201);
      const banner = {
        id: 'banner',
        name: 'Free delivery banner',
        kind: 'content',
        content: 'home-banner',
        variants: [
          { id: 'hidden', shown: false },
          { id: 'shown', shown: true },
        ],
      };
      expect((await admin('/v1/experiments', banner)).status).toBe(201);
      // Nothing decided yet: a refit sends nothing.
      expect((await admin('/v1/segments/refit', {})).status).toBe(200);
      // 150 visitors an arm: a fifth of control buy for 10, every shown visitor for 40 or 60.
      const control = visitorsIn('banner', 0, 150);
      const shown = visitorsIn('banner', 1, 150);
      const events = [
        ...control.flatMap((v, i) => [viewed(v, 'hidden'), ...(i % 5 ? [] : [order(v, Date.now(), 10)])]),
        ...shown.flatMap((v, i) => [viewed(v, 'shown'), order(v, Date.now(), i % 2 ? 40 : 60)]),
      ];
      for (let i = 0; i < events.length; i += 200) expect((await post(`${c.url}/v1/batch`, { batch: events.slice(i, i + 200) }, { key: KEYS.admin[0] })).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await admin('/v1/segments/refit', {})).status).toBe(200);
      await eventually(() => expect(r.received).toHaveLength(1));
      const payload = new Webhook(made.body.secret).verify(r.received[0].body, r.received[0].headers as Record<string, string>) as { type: string; data: Record<string, any> };
      expect(payload).toMatchObject({
        type: 'experiment.decided',
        data: { experiment: { id: 'banner', name: 'Free delivery banner', url: '/v1/experiments/banner/results' }, to: 'ship', decision: { status: 'ship', variant: 'shown' } },
      });
      expect(payload.data.customer).toBeUndefined();
      // The second refit found the same decision: nothing more was queued.
      const { body } = await get(`${c.url}/v1/webhooks/${made.body.id}/deliveries`, KEYS.admin[0]);
      expect(body.deliveries).toHaveLength(1);
    } finally {
      await c.stop();
      r.close();
    }
  }, 120_000);
});
