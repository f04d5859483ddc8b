import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, event, get, ordered, post, readDatabase, startCollector, viewed, type Running } from './helpers';

let c: Running;
beforeAll(async () => {
  c = await startCollector({ corsOrigins: ['http://shop.test'] });
});
afterAll(() => c.stop());

/** The rows of `table` (events or quarantine) for a messageId, read from the file as an analyst would. */
function rowsOf(table: 'events' | 'quarantine', messageId: string): Promise<any[]> {
  return readDatabase(c, (db) => db.prepare(`SELECT * FROM ${table} WHERE message_id = ?`).all(messageId));
}
const stored = (messageId: string) => rowsOf('events', messageId);
const quarantined = (messageId: string) => rowsOf('quarantine', messageId);

describe('POST /v1/batch', () => {
  it('stores valid events durably before answering (journalled, then in the events table)', async () => {
    const a = viewed('SKU-1');
    const b = event({ type: 'page', name: 'Home', context: { page: { url: 'http://shop.test/' }, sessionId: 's-1' } });
    const res = await post(`${c.url}/v1/batch`, { batch: [a, b] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, accepted: 2, duplicates: 0, rejected: [] });
    const [row] = await stored(a.messageId);
    expect(row).toMatchObject({ type: 'track', event: 'Product Viewed', anonymous_id: 'anon-1', product_id: 'SKU-1', timestamp: Date.parse(a.timestamp) });
    expect((await stored(b.messageId))[0]).toMatchObject({ type: 'page', event: 'Home', session_id: 's-1' });
  });

  it('stores a repeated messageId once and still answers success', async () => {
    const e = viewed('SKU-2');
    expect((await post(`${c.url}/v1/batch`, { batch: [e] })).body.accepted).toBe(1);
    const again = await post(`${c.url}/v1/batch`, { batch: [e, e] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: true, accepted: 0, duplicates: 2 });
    expect(await stored(e.messageId)).toHaveLength(1);
  });

  it('rejects an invalid event with 400 naming the field, and quarantines it with the reason', async () => {
    const bad = event({ type: 'track', event: 'Product Viewed', properties: { price: 3 } });
    const res = await post(`${c.url}/v1/batch`, { batch: [bad] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_event');
    expect(res.body.rejected).toEqual([{ index: 0, messageId: bad.messageId, issues: [{ path: 'properties.product_id', message: 'needs product_id or sku' }] }]);
    const [q] = await quarantined(bad.messageId);
    expect(JSON.parse(q.raw)).toEqual(bad);
    expect(JSON.parse(q.reasons)[0].path).toBe('properties.product_id');
    expect(await stored(bad.messageId)).toHaveLength(0);
  });

  it('keeps the good events of a mixed batch and lists the bad ones by index', async () => {
    const good = [viewed('SKU-3'), ordered(['SKU-3'])];
    const wrongType = { ...viewed('SKU-4'), properties: { product_id: 'SKU-4', price: 'cheap' } };
    const noId = { type: 'track', event: 'Product Added', timestamp: new Date().toISOString(), messageId: 'no-id-1', properties: { product_id: 'x' } };
    const badTime = { ...viewed('SKU-5'), timestamp: 'yesterday' };
    const res = await post(`${c.url}/v1/batch`, { batch: [good[0], wrongType, noId, good[1], badTime, 42] });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r: any) => r.index)).toEqual([1, 2, 4, 5]);
    expect(res.body.rejected[0].issues[0].path).toBe('properties.price');
    expect(res.body.rejected[1].issues[0]).toEqual({ path: 'anonymousId', message: 'needs anonymousId or userId' });
    expect(res.body.rejected[2].issues[0].path).toBe('timestamp');
    for (const e of good) expect(await stored(e.messageId)).toHaveLength(1);
    expect(await quarantined('no-id-1')).toHaveLength(1);
  });

  it('rejects an event over 32 KB but keeps its neighbours', async () => {
    const big = event({ type: 'track', event: 'Note', properties: { text: 'x'.repeat(40_000) } });
    const ok = viewed('SKU-6');
    const res = await post(`${c.url}/v1/batch`, { batch: [big, ok] });
    expect(res.status).toBe(200);
    expect(res.body.rejected[0]).toMatchObject({ index: 0, issues: [{ path: '(event)' }] });
    expect(await stored(ok.messageId)).toHaveLength(1);
  });

  it('answers 413 for a body over 500 KB', async () => {
    const batch = Array.from({ length: 30 }, () => event({ type: 'track', event: 'Note', properties: { text: 'y'.repeat(20_000) } }));
    const res = await post(`${c.url}/v1/batch`, { batch });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers 400 with a JSON error for malformed JSON and for a body without a batch', async () => {
    const res = await post(`${c.url}/v1/batch`, '{"batch": [', { raw: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    const noBatch = await post(`${c.url}/v1/batch`, { events: [] });
    expect(noBatch.status).toBe(400);
    expect(noBatch.body.error.issues[0].path).toBe('batch');
    const empty = await post(`${c.url}/v1/batch`, { batch: [] });
    expect(empty.status).toBe(400);
  });

  it('answers 401 for a missing or unknown key, and takes the write key from the body for beacons', async () => {
    const e = viewed('SKU-7');
    expect((await post(`${c.url}/v1/batch`, { batch: [e] }, { key: null })).status).toBe(401);
    const wrong = await post(`${c.url}/v1/batch`, { batch: [e] }, { key: 'pk_nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    expect(await stored(e.messageId)).toHaveLength(0);
    const beacon = await post(`${c.url}/v1/batch`, { batch: [e], writeKey: KEYS.write[0] }, { key: null, contentType: 'text/plain;charset=UTF-8' });
    expect(beacon.status).toBe(200);
    expect(await stored(e.messageId)).toHaveLength(1);
    // an admin key is not a write key's substitute for nothing: it opens write routes too
    expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-8')] }, { key: KEYS.admin[0] })).status).toBe(200);
    expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-8')] }, { key: KEYS.analyst[0] })).status).toBe(401);
  });
});

describe('dropped events', () => {
  it('records the count of events a browser dropped, sent with its next batch', async () => {
    await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-D')], dropped: 7 });
    await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-D')], dropped: 2 });
    expect((await get(`${c.url}/health`, null)).body.droppedByClients).toBe(9);
    const bad = await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-D')], dropped: -1 });
    expect(bad.body.error.issues[0].path).toBe('dropped');
  });
});

describe('single-event endpoints', () => {
  it('takes track, page and identify with the type implied by the path', async () => {
    const { type: _t, ...track } = viewed('SKU-9');
    expect((await post(`${c.url}/v1/track`, track)).body.accepted).toBe(1);
    const { type: _p, ...page } = event({ type: 'page', name: 'Cart' });
    expect((await post(`${c.url}/v1/page`, page)).body.accepted).toBe(1);
    const identify = event({ type: 'identify', userId: 'user-1', traits: { email: 'a@b.c' } });
    expect((await post(`${c.url}/v1/identify`, identify)).body.accepted).toBe(1);
    expect((await stored(identify.messageId))[0]).toMatchObject({ user_id: 'user-1', traits: '{"email":"a@b.c"}' });
    const mismatch = await post(`${c.url}/v1/page`, viewed('SKU-9'));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.rejected[0].issues[0].path).toBe('type');
  });
});

describe('errors, CORS and quarantine listing', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const res = await get(`${c.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('answers CORS preflight for configured origins only', async () => {
    const ok = await fetch(`${c.url}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'http://shop.test', 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://shop.test');
    expect(ok.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await fetch(`${c.url}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the headers tracking clients ask for, so their retries are not blocked', async () => {
    const preflight = (asked: string) =>
      fetch(`${c.url}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'http://shop.test', 'access-control-request-method': 'POST', 'access-control-request-headers': asked } });
    // Segment's retries add X-Retry-Count; RudderStack asks for AnonymousId and SentAt.
    const allowed = (await preflight('content-type,x-retry-count,anonymousid,sentat')).headers
      .get('access-control-allow-headers')!
      .toLowerCase()
      .split(/\s*,\s*/);
    for (const name of ['content-type', 'x-retry-count', 'anonymousid', 'sentat', 'authorization', 'content-encoding']) expect(allowed).toContain(name);
    expect((await preflight('x-client-own')).headers.get('access-control-allow-headers')).toContain('x-client-own');
    expect((await preflight('bad header')).headers.get('access-control-allow-headers')).not.toContain('bad');
  });

  it('lists quarantined events to analysts, not to the write key', async () => {
    expect((await get(`${c.url}/v1/quarantine`)).status).toBe(401);
    const res = await get(`${c.url}/v1/quarantine?limit=2`, KEYS.analyst[0], true);
    expect(res.status).toBe(200);
    expect(res.body.events.length).toBe(2);
    expect(res.body.events[0].reasons[0]).toHaveProperty('path');
  });
});
