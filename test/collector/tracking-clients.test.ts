// What Segment's analytics-next and RudderStack's JavaScript SDK put on the wire (read from their source:
// paths, headers, bodies), sent as they send it, stored as it means. The real SDKs in Chromium are in
// test/e2e/tracking-clients.test.ts.

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asMeant, clockSkew } from '../../collector/ingest/compat';
import { KEYS, basic, readDatabase, startCollector, type Running } from './helpers';

let c: Running;
beforeAll(async () => {
  c = await startCollector();
});
afterAll(() => c.stop());

interface Row {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  session_id: string | null;
  timestamp: number;
  traits: string | null;
}
const rowOf = (messageId: string) => readDatabase(c, (db) => db.prepare('SELECT * FROM events WHERE message_id = ?').get(messageId) as Row | undefined);

/** A POST as the SDKs make it: text/plain (no preflight for the type), the key as Basic auth. */
async function send(path: string, body: unknown, headers: Record<string, string> = { authorization: basic(KEYS.write[0]) }) {
  const res = await fetch(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { accepted?: number; rejected?: unknown[] } };
}

const now = () => new Date().toISOString();

/** An analytics-next event: userId null before identify, the write key and sentAt in the body. */
function segmentEvent(fields: Record<string, unknown>) {
  return {
    timestamp: now(),
    integrations: {},
    context: { page: { path: '/', url: 'http://shop.test/', title: 'Shop' }, userAgent: 'test', locale: 'en-US', library: { name: 'analytics.js', version: 'npm:next-1.84.3' } },
    messageId: `ajs-next-${Date.now()}-${randomUUID()}`,
    anonymousId: 'seg-anon',
    userId: null,
    writeKey: KEYS.write[0],
    sentAt: now(),
    _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
    ...fields,
  };
}

/** A RudderStack event: originalTimestamp, userId "" when anonymous, a numeric session id, context.traits. */
function rudderEvent(fields: Record<string, unknown>) {
  return {
    channel: 'web',
    context: { traits: {}, sessionId: 1718000000000, library: { name: 'RudderLabs JavaScript SDK', version: '3.34.1' }, page: { url: 'http://shop.test/', referrer: '$direct' } },
    originalTimestamp: now(),
    sentAt: now(),
    messageId: randomUUID(),
    userId: '',
    anonymousId: 'rs-anon',
    integrations: { All: true },
    ...fields,
  };
}

describe("Segment's analytics-next on the wire", () => {
  it('delivers each call to its initial (/v1/t, /p, /i, /a, /g, /s), anonymous events kept', async () => {
    const calls = [
      ['/v1/p', segmentEvent({ type: 'page', name: 'Home', properties: { url: 'http://shop.test/' } })],
      ['/v1/t', segmentEvent({ type: 'track', event: 'Product Viewed', properties: { product_id: 'SEG-1', price: 5 } })],
      ['/v1/i', segmentEvent({ type: 'identify', userId: 'seg-user', traits: { email: 'a@shop.test' } })],
      ['/v1/a', segmentEvent({ type: 'alias', userId: 'seg-user', previousId: 'seg-anon' })],
      ['/v1/g', segmentEvent({ type: 'group', userId: 'seg-user', groupId: 'acme', traits: { name: 'Acme' } })],
      ['/v1/s', segmentEvent({ type: 'screen', name: 'Cart' })],
    ] as const;
    for (const [path, e] of calls) expect(await send(path, e, { authorization: basic(KEYS.write[0]), 'x-retry-count': '1' }), path).toMatchObject({ status: 200, body: { accepted: 1 } });
    const viewed = await rowOf(calls[1][1].messageId);
    expect(viewed).toMatchObject({ type: 'track', event: 'Product Viewed', anonymous_id: 'seg-anon', user_id: null });
    expect(JSON.parse((await rowOf(calls[2][1].messageId))!.traits!)).toEqual({ email: 'a@shop.test' });
  });

  it('delivers batches to /v1/b, the key in the envelope', async () => {
    const batch = [segmentEvent({ type: 'track', event: 'Product Added', properties: { product_id: 'SEG-2' } }), segmentEvent({ type: 'page' })];
    const res = await send('/v1/b', { writeKey: KEYS.write[0], batch, sentAt: now() }, {});
    expect(res).toMatchObject({ status: 200, body: { accepted: 2 } });
  });

  it('corrects a client clock a day fast by sentAt, as Segment does', async () => {
    const day = 86_400_000;
    const fast = (ms: number) => new Date(Date.now() + day + ms).toISOString();
    const e = segmentEvent({ type: 'track', event: 'Signed Up', timestamp: fast(-5000), sentAt: fast(0) });
    expect((await send('/v1/t', e)).status).toBe(200);
    const stored = (await rowOf(e.messageId))!.timestamp;
    expect(Math.abs(stored - (Date.now() - 5000))).toBeLessThan(60_000);
  });
});

describe("RudderStack's JavaScript SDK on the wire", () => {
  it('delivers per-event calls with originalTimestamp, userId "" and a numeric session id', async () => {
    const headers = { authorization: basic(KEYS.write[0]), anonymousid: Buffer.from('rs-anon').toString('base64'), sentat: now() };
    const track = rudderEvent({ type: 'track', event: 'Product Viewed', properties: { product_id: 'RS-1' } });
    expect(await send('/v1/track', track, headers)).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(await rowOf(track.messageId)).toMatchObject({ anonymous_id: 'rs-anon', user_id: null, session_id: '1718000000000', timestamp: Date.parse(track.originalTimestamp) });
    const identify = rudderEvent({ type: 'identify', userId: 'rs-user', context: { ...rudderEvent({}).context, traits: { email: 'r@shop.test' } } });
    expect((await send('/v1/identify', identify, headers)).status).toBe(200);
    expect(JSON.parse((await rowOf(identify.messageId))!.traits!)).toEqual({ email: 'r@shop.test' });
  });

  it('delivers beacon batches, the key in the query', async () => {
    const batch = [rudderEvent({ type: 'page', name: 'Home', properties: {} }), rudderEvent({ type: 'track', event: 'Product Added', properties: { product_id: 'RS-2' } })];
    const res = await send(`/beacon/v1/batch?writeKey=${KEYS.write[0]}`, { batch, sentAt: now() }, {});
    expect(res).toMatchObject({ status: 200, body: { accepted: 2 } });
  });
});

describe('reading events as their clients meant them', () => {
  it('leaves an event that needs nothing as it is', () => {
    const e = { type: 'page', messageId: 'm', anonymousId: 'a', timestamp: now(), sentAt: now() };
    expect(asMeant(e, undefined, Date.now())).toBe(e);
  });

  it('corrects only a clock off by more than the tolerance', () => {
    const at = Date.parse('2026-06-01T12:00:00Z');
    expect(clockSkew('2026-06-01T11:59:30Z', at)).toBe(0);
    expect(clockSkew('2026-06-02T12:00:00Z', at)).toBe(-86_400_000);
    expect(clockSkew('not a date', at)).toBe(0);
    const e = asMeant({ type: 'page', messageId: 'm', anonymousId: 'a', timestamp: '2026-06-02T11:00:00.000Z' }, '2026-06-02T12:00:00Z', at) as { timestamp: string };
    expect(e.timestamp).toBe('2026-06-01T11:00:00.000Z');
  });

  it('does not make up what is not there', () => {
    const e = asMeant({ type: 'track', userId: null, anonymousId: '' }, undefined, Date.now()) as Record<string, unknown>;
    expect(e).toEqual({ type: 'track' });
  });
});
