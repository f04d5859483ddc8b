// A person's data on request, end to end: a person with events under two linked ids, a quarantined event, an
// order, a slot click and a webhook delivery about them; exported (JSON and NDJSON); deleted; then none of their
// ids is found anywhere: not in the API, not in the journal, not in the database's files searched byte by byte
// (after SQLite's secure delete and a checkpoint), and the models no longer recommend from their history. Their
// further events are dropped at ingest and counted, until they are unsuppressed.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PassThrough } from 'node:stream';
import { run } from '../../collector/cli';
import { openSqliteStore } from '../../collector/store/sqlite/sqlite';
import { KEYS, catalog, event, get, post, put, startCollector, type Running } from './helpers';

const eventually = (check: () => void | Promise<void>) => vi.waitFor(check, { timeout: 60_000, interval: 50 });
const ANON = 'anon-gdpr-7f3a91';
const USER = 'user-gdpr-c41e07';
const OTHER = 'anon-bystander-1';

const admin = async (method: string, url: string, body?: unknown) => {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${KEYS.admin[0]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, body: text && res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
};

/** Every file of the database: the file, its write-ahead log, the journal's segments (kept-aside ones too). */
function databaseFiles(c: Running): string[] {
  const journal = `${c.database}.journal`;
  return [c.database, `${c.database}-wal`, ...(fs.existsSync(journal) ? fs.readdirSync(journal).map((f) => path.join(journal, f)) : [])].filter((f) => fs.existsSync(f));
}

const holding = (c: Running, needle: string) => databaseFiles(c).filter((f) => fs.readFileSync(f).includes(Buffer.from(needle)));

describe('a person exported and forgotten on request', () => {
  let c: Running;
  let server: http.Server;
  let hooks = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => (hooks++, res.writeHead(200).end('ok')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    c = await startCollector({ segments: { refreshIntervalMs: 0, refreshAfterEvents: 1e9, k: 2, seed: 1 }, webhooks: { allowHosts: ['127.0.0.1'] } });
    await put(`${c.url}/v1/catalog/items`, catalog(['p-a', 'p-b', 'p-c', 'p-x1', 'p-x2']));
    const made = await admin('POST', `${c.url}/v1/webhooks`, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events: ['order.completed'] });
    expect(made.status).toBe(201);
  });
  afterAll(async () => {
    await c.stop();
    server.close();
  });

  it('exports everything about the person across their linked ids, then forgets them everywhere', async () => {
    const session = { context: { sessionId: 'sess-gdpr-55aa' } };
    const batch = [
      event({ type: 'track', event: 'Product Viewed', anonymousId: ANON, properties: { product_id: 'p-a' }, ...session }),
      event({ type: 'track', event: 'Product Viewed', anonymousId: ANON, properties: { product_id: 'p-x1' }, ...session }),
      event({ type: 'identify', anonymousId: ANON, userId: USER, traits: { email: 'gdpr-person@example.com' } }),
      event({
        type: 'track',
        event: 'Recommendation Clicked',
        anonymousId: ANON,
        userId: USER,
        properties: { slot: 'home', recommendation_id: 'r-gdpr', product_id: 'p-x1', position: 0 },
        ...session,
      }),
      event({
        type: 'track',
        event: 'Order Completed',
        anonymousId: ANON,
        userId: USER,
        properties: {
          order_id: 'order-gdpr-1',
          revenue: 30,
          products: [
            { product_id: 'p-x1', price: 10 },
            { product_id: 'p-x2', price: 20 },
          ],
        },
        ...session,
      }),
      // Invalid (a track with no event name): quarantined, naming them.
      { type: 'track', messageId: randomUUID(), anonymousId: ANON, timestamp: new Date().toISOString() },
      // A bystander whose history stays.
      event({ type: 'track', event: 'Order Completed', anonymousId: OTHER, properties: { order_id: 'order-other', revenue: 20, products: [{ product_id: 'p-a' }, { product_id: 'p-c' }] } }),
    ];
    const sent = await post(`${c.url}/v1/batch`, { batch });
    expect(sent.status).toBe(200);
    expect(sent.body.rejected).toHaveLength(1);
    await c.app.patron.refits.refit();
    await eventually(() => expect(hooks).toBeGreaterThanOrEqual(1));
    const learner = c.app.patron.learner;
    await learner.settled();
    expect(learner.interactions.alsoBought('p-x1', { limit: 5 }).map((r) => r.id)).toContain('p-x2');

    // Export: from either id, everything across both.
    const exported = await admin('GET', `${c.url}/v1/people/${ANON}`);
    expect(exported.status).toBe(200);
    const x = exported.body;
    expect(new Set(x.ids)).toEqual(new Set([ANON, USER]));
    expect(x.person).toBe(USER);
    expect(x.events).toHaveLength(5);
    expect(x.identities).toEqual([expect.objectContaining({ anonymousId: ANON, userId: USER })]);
    expect(x.quarantined).toHaveLength(1);
    expect(x.attributions).toEqual([expect.objectContaining({ orderId: 'order-gdpr-1', slot: 'home' })]);
    expect(x.values).toEqual([expect.objectContaining({ customer_id: USER })]);
    expect(x.segments).toHaveLength(1);
    expect(x.deliveries.length).toBeGreaterThanOrEqual(1);
    expect(x.deliveries[0].customerId).toBe(USER);
    expect(x.profile.products).toEqual(expect.arrayContaining(['p-x1', 'p-x2']));
    const lines = await admin('GET', `${c.url}/v1/people/${USER}/events`);
    expect(lines.status).toBe(200);
    expect(
      lines.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).messageId),
    ).toEqual(x.events.map((e: { messageId: string }) => e.messageId));
    expect(holding(c, USER).length + holding(c, ANON).length).toBeGreaterThan(0);

    // Delete: suppressed at once, forgotten in the background, verified.
    const asked = await admin('DELETE', `${c.url}/v1/people/${USER}`);
    expect(asked.status).toBe(202);
    expect(asked.body.status).toBe('pending');
    const { suppression } = c.app.patron;
    expect(asked.body.hashes).toEqual(expect.arrayContaining([suppression.hashOf(USER), suppression.hashOf(ANON)]));
    let status: { status: string; removed: Record<string, number>; foundIn: string[] } = asked.body;
    await eventually(async () => {
      status = (await admin('GET', `${c.url}/v1/deletions/${asked.body.id}`)).body;
      expect(status.foundIn).toEqual([]);
      expect(status.status).toBe('verified');
    });
    expect(status.removed).toMatchObject({ events: 5, identities: 1, quarantine: 1, attributions: 1, customer_values: 1, customer_segments: 1 });
    expect(status.removed.webhook_deliveries + status.removed.webhook_batches).toBeGreaterThanOrEqual(1);

    // Nowhere: the API, the models, the database's files and the journal.
    const after = (await admin('GET', `${c.url}/v1/people/${ANON}`)).body;
    expect(after.events).toEqual([]);
    expect(after.identities).toEqual([]);
    expect(after.values).toEqual([]);
    expect(after.deliveries).toEqual([]);
    expect((await get(`${c.url}/v1/customers/${USER}`, KEYS.analyst[0], true)).status).toBe(404);
    expect(learner.interactions.alsoBought('p-x1', { limit: 5 }).map((r) => r.id)).not.toContain('p-x2');
    expect(learner.interactions.alsoBought('p-a', { limit: 5 }).map((r) => r.id)).toContain('p-c');
    expect(learner.interactions.history(USER)).toEqual([]);
    expect(learner.knows(USER) || learner.knows(ANON)).toBe(false);
    for (const needle of [USER, ANON, 'sess-gdpr-55aa', 'gdpr-person@example.com']) expect(holding(c, needle)).toEqual([]);

    // Their further events are dropped at ingest, and counted.
    const before = await c.app.patron.store.countEvents();
    const again = await post(`${c.url}/v1/batch`, { batch: [event({ type: 'track', event: 'Product Viewed', anonymousId: ANON, properties: { product_id: 'p-b' } })] });
    expect(again.status).toBe(200);
    expect(await c.app.patron.store.countEvents()).toBe(before);
    const health = await get(`${c.url}/health`, null);
    expect(health.body.suppression).toEqual({ people: 2, droppedEvents: 1 });

    // The audit log: who, when, what; no id in it.
    const audit = await admin('GET', `${c.url}/v1/audit`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['export', 'delete', 'deleted', 'verified']));
    expect(audit.body.entries[0].actor).toMatch(/^admin key [0-9a-f]{12}$/);
    expect(audit.text).not.toContain(USER);

    // Unsuppressed, they are a new visitor.
    expect((await admin('POST', `${c.url}/v1/people/unsuppress`, { ids: [ANON, USER] })).body.unsuppressed).toHaveLength(2);
    await post(`${c.url}/v1/batch`, { batch: [event({ type: 'track', event: 'Product Viewed', anonymousId: ANON, properties: { product_id: 'p-b' } })] });
    expect(await c.app.patron.store.countEvents()).toBe(before + 1);
  }, 180_000);

  it('answers bad requests with the field named, and only to the admin key', async () => {
    expect((await get(`${c.url}/v1/people/${USER}`, KEYS.analyst[0], true)).status).toBe(401);
    const many = await admin('POST', `${c.url}/v1/people/delete`, { ids: [] });
    expect(many.status).toBe(400);
    expect(many.body.error.issues[0].path).toBe('ids');
    expect((await admin('GET', `${c.url}/v1/deletions/not-a-request`)).status).toBe(400);
    expect((await admin('POST', `${c.url}/v1/people/unsuppress`, {})).body.error.issues[0].path).toBe('ids');
  });
});

describe('deletions that outlive a stop, and the CLI', () => {
  async function patron(...argv: string[]) {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (d) => chunks.push(String(d)));
    const code = await run(argv, out, new PassThrough());
    return { code, out: chunks.join('') };
  }

  it('takes up at start a deletion a stop interrupted', async () => {
    const person = 'anon-resume-0b7d';
    let c = await startCollector();
    await post(`${c.url}/v1/batch`, { batch: [event({ type: 'track', event: 'Product Viewed', anonymousId: person, properties: { product_id: 'p-a' } })] });
    await c.stop();
    // What a stop between the request and its work leaves: the request pending with the ids, the person suppressed.
    const store = openSqliteStore({ file: c.database, journal: false });
    // Kept before the person is suppressed: a stop in between leaves it so.
    const id = randomUUID();
    await store.saveDeletion({ id, status: 'pending', requestedAt: Date.now(), actor: 'test', ids: [person], hashes: [], doneAt: null, removed: {}, verifiedAt: null, foundIn: [] });
    await store.close();
    c = await startCollector({}, c.dir);
    try {
      await eventually(async () => expect((await admin('GET', `${c.url}/v1/deletions/${id}`)).body.status).toBe('verified'));
      expect((await admin('GET', `${c.url}/v1/deletions/${id}`)).body.removed.events).toBe(1);
      expect(holding(c, person)).toEqual([]);
    } finally {
      await c.stop();
    }
  }, 180_000);

  it('exports, deletes and waits for the verification from the command line', async () => {
    const c = await startCollector();
    try {
      const person = 'user-cli-5e21';
      await post(`${c.url}/v1/batch`, { batch: [event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-cli', userId: person, properties: { product_id: 'p-a' } })] });
      const target = ['--url', c.url, '--admin-key', KEYS.admin[0]];
      const exported = await patron('people', 'export', person, ...target);
      expect(JSON.parse(exported.out).events).toHaveLength(1);
      expect((await patron('people', 'export', person, '--events', ...target)).out.trim().split('\n')).toHaveLength(1);
      const deleted = await patron('people', 'delete', person, '--wait', ...target);
      expect(deleted.code).toBe(0);
      expect(JSON.parse(deleted.out).deletions[0].status).toBe('verified');
      expect(JSON.parse((await patron('people', 'status', ...target)).out).deletions).toHaveLength(1);
      await expect(patron('people', 'delete', ...target)).rejects.toThrow(/at least one id/);
      await expect(patron('people', 'export', person, '--url', c.url, '--admin-key', 'wrong')).rejects.toThrow(/401/);
    } finally {
      await c.stop();
    }
  }, 180_000);
});

describe('who else is left as they were', () => {
  const shop = (who: 'all' | 'kept') => {
    const kept = [
      event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-a', properties: { product_id: 'p-a' } }),
      event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-a', properties: { product_id: 'p-b' } }),
      event({ type: 'track', event: 'Order Completed', anonymousId: 'anon-a', properties: { order_id: 'o-a', revenue: 20, products: [{ product_id: 'p-a' }, { product_id: 'p-b' }] } }),
      // u-420 is another person, whose id only looks like the deleted one's.
      event({ type: 'track', event: 'Order Completed', userId: 'u-420', properties: { order_id: 'o-420', revenue: 20, products: [{ product_id: 'p-b' }, { product_id: 'p-c' }] } }),
    ];
    const gone = [
      event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-42', properties: { product_id: 'p-a' } }),
      event({ type: 'track', event: 'Product Viewed', anonymousId: 'anon-42', properties: { product_id: 'p-c' } }),
      event({ type: 'identify', anonymousId: 'anon-42', userId: 'u-42' }),
      event({ type: 'track', event: 'Order Completed', userId: 'u-42', properties: { order_id: 'o-42', revenue: 30, products: [{ product_id: 'p-c' }, { product_id: 'p-a' }] } }),
    ];
    return who === 'all' ? [...kept, ...gone] : kept;
  };
  const answers = (c: Running) => {
    const m = c.app.patron.learner.interactions;
    const q = { limit: 10, measure: 'count' as const };
    return {
      bought: ['p-a', 'p-b', 'p-c'].map((p) => m.alsoBought(p, q)),
      viewed: ['p-a', 'p-b', 'p-c'].map((p) => m.alsoViewed(p, q)),
      forA: m.forYou('anon-a', q),
      popular: m.popular({ limit: 10 }).map((r) => r.id),
    };
  };

  it('after a restart, forgetting a person leaves the models as if they never came, and a lookalike id untouched', async () => {
    let c = await startCollector();
    await post(`${c.url}/v1/batch`, { batch: shop('all') });
    await c.stop();
    c = await startCollector({}, c.dir);
    const fresh = await startCollector();
    try {
      // Rebuilt from the store at start: the models learnt the person's history under their user from the first event.
      const asked = await admin('DELETE', `${c.url}/v1/people/anon-42`);
      await eventually(async () => expect((await admin('GET', `${c.url}/v1/deletions/${asked.body.id}`)).body.status).toBe('verified'));
      await post(`${fresh.url}/v1/batch`, { batch: shop('kept') });
      await fresh.app.patron.learner.settled();
      expect(answers(c)).toEqual(answers(fresh));
      expect((await admin('GET', `${c.url}/v1/people/u-420`)).body.events).toHaveLength(1);
    } finally {
      await Promise.all([c.stop(), fresh.stop()]);
    }
  }, 180_000);

  it("keeps another user's events on the person's device, without the device's id, and from then on", async () => {
    const c = await startCollector();
    try {
      const device = 'anon-shared-device-3c';
      const sibling = { type: 'track' as const, event: 'Product Viewed', anonymousId: device, userId: 'user-sibling', properties: { product_id: 'p-b' } };
      // The sibling used the device first; then the person logged in on it (the device is theirs from then on).
      await post(`${c.url}/v1/batch`, {
        batch: [
          event(sibling),
          event({ type: 'identify', anonymousId: device, userId: 'user-owner-3c' }),
          event({ type: 'track', event: 'Product Viewed', anonymousId: device, properties: { product_id: 'p-a' } }),
        ],
      });
      const asked = await admin('DELETE', `${c.url}/v1/people/user-owner-3c`);
      expect(asked.body.hashes).toHaveLength(2);
      await eventually(async () => expect((await admin('GET', `${c.url}/v1/deletions/${asked.body.id}`)).body.status).toBe('verified'));
      expect((await admin('GET', `${c.url}/v1/deletions/${asked.body.id}`)).body.removed).toMatchObject({ events: 2, eventsUnnamed: 1 });
      // The sibling comes back on the device: their event is kept, without it.
      await post(`${c.url}/v1/batch`, { batch: [event(sibling)] });
      const theirs = (await admin('GET', `${c.url}/v1/people/user-sibling`)).body;
      expect(theirs.events.map((e: { anonymousId: string | null }) => e.anonymousId)).toEqual([null, null]);
      expect(holding(c, device)).toEqual([]);
    } finally {
      await c.stop();
    }
  }, 180_000);
});
