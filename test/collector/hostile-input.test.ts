// Bad input gets a clear answer and costs nothing valid: repeated keys, impossible dates, lone surrogates,
// formulas in CSV cells, secret keys where they do not belong, paths in the wrong case.

import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvField } from '../../collector/http/csv';
import { parseTimestamp } from '../../collector/domain/timestamp';
import { duplicateKeys } from '../../collector/ingest/duplicate-keys';
import { KEYS, basic, event, get, post, startCollector, type Running } from './helpers';

let c: Running;
beforeAll(async () => {
  c = await startCollector();
});
afterAll(() => c.stop());

const analyst = { authorization: `Bearer ${KEYS.analyst[0]}` };
const exported = async () =>
  (await (await fetch(`${c.url}/v1/export/events`, { headers: analyst })).text())
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const postText = (path: string, text: string) => fetch(`${c.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(KEYS.write[0]) }, body: text });

describe('repeated keys', () => {
  it('are found wherever they are, and cost nothing when there are none', () => {
    expect(duplicateKeys('{"a":1,"b":[{"c":2}]}', { a: 1, b: [{ c: 2 }] })).toEqual([]);
    const text = '{"batch":[{"x":"\\"a\\":"},{"p":{"q":1,"q":2},"r":[1,{"s":1,"s":2}]}],"k":1,"k":2}';
    expect(duplicateKeys(text, JSON.parse(text))).toEqual([['batch', 1, 'p', 'q'], ['batch', 1, 'r', 1, 's'], ['k']]);
    // Compact or not, and whatever the strings hold.
    for (const [t, want] of [
      ['{"a":1,"a" :2}', [['a']]],
      ['{"a":"x\\":y","b":{"c\\\\":1,"c\\\\":2}}', [['b', 'c\\']]],
      ['{"a":"x\\":y","b":"\\":"}', []],
    ] as const)
      expect(duplicateKeys(t, JSON.parse(t)), t).toEqual(want);
    // Hostile depth costs no more than its length: keys are followed only as deep as an event may nest.
    const deep = `{"batch":[],"x":1,"x":${'[{"a":1,"a":2,"b":'.repeat(50_000)}0${'}]'.repeat(50_000)}}`;
    const found = duplicateKeys(deep, JSON.parse(deep));
    expect(found[0]).toEqual(['x']);
    expect(found.every((p) => p.length <= 40)).toBe(true);
  });

  it('refuse the event that repeats one, naming the key, and keep the rest of the batch', async () => {
    const good = event({ type: 'track', event: 'Product Viewed', properties: { product_id: 'FINE' } });
    const hostile = `{"type":"track","event":"Order Completed","messageId":"${randomUUID()}","anonymousId":"dup","timestamp":"${new Date().toISOString()}",
      "properties":{"order_id":"o1","products":[{"product_id":"GOOD","product_id":"A","price":-1000000,"price":5,"quantity":1000000}]}}`;
    const res = await postText('/v1/batch', `{"batch":[${JSON.stringify(good)},${hostile}]}`);
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      {
        index: 1,
        messageId: expect.any(String),
        issues: [
          { path: 'properties.products.0.product_id', message: expect.stringContaining('duplicate key') },
          { path: 'properties.products.0.price', message: expect.stringContaining('duplicate key') },
        ],
      },
    ]);
    expect((await exported()).map((e) => e.anonymousId)).not.toContain('dup');
  });

  it('in a single event or in the envelope refuse the request', async () => {
    const single = await postText('/v1/track', `{"event":"Signed Up","event":"Order Completed","messageId":"m-1","anonymousId":"a","timestamp":"${new Date().toISOString()}"}`);
    expect(single.status).toBe(400);
    expect((await single.json()).rejected[0].issues[0].path).toBe('event');
    const envelope = await postText('/v1/batch', `{"batch":[],"batch":[${JSON.stringify(event({ type: 'page' }))}]}`);
    expect(envelope.status).toBe(400);
    expect((await envelope.json()).error.issues).toEqual([{ path: 'batch', message: expect.stringContaining('duplicate key') }]);
  });
});

describe('timestamps', () => {
  it('are ISO 8601 date-times, strictly', () => {
    expect(parseTimestamp('2026-03-02T10:00:00.123Z')).toBe(Date.UTC(2026, 2, 2, 10, 0, 0, 123));
    expect(parseTimestamp('2026-03-02T10:00:00.123456+01:00')).toBe(Date.UTC(2026, 2, 2, 9, 0, 0, 123));
    expect(parseTimestamp('2026-03-02T10:00-0130')).toBe(Date.UTC(2026, 2, 2, 11, 30));
    expect(parseTimestamp('2026-03-02T10:00:00')).toBe(Date.UTC(2026, 2, 2, 10)); // no zone: UTC
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    // toISOString()'s own form, read without the regular expression, reads as Date does.
    for (let t = Date.UTC(2000, 0, 1); t < Date.UTC(2030, 0, 1); t += 7_777_777_777) expect(parseTimestamp(new Date(t).toISOString())).toBe(t);
    for (const bad of ['2026-02-30T10:00:00.000Z', '2025-02-29T10:00:00.000Z', '2026-13-01T10:00:00.000Z', '2026-01-01T10:00:60.000Z', '2026-01-01T10:00:00.0a0Z', '2026-01-01 10:00:00.000Z'])
      expect(parseTimestamp(bad), bad).toBeNaN();
    for (const bad of [
      '5',
      '2026-02-30T10:00:00Z',
      '2025-02-29T00:00:00Z',
      'Tue, 01 Dec 2026 10:00:00 GMT',
      '2026-03-02',
      '2026-03-02 10:00:00Z',
      '2026-03-02T24:00:00Z',
      '2026-03-02T10:60Z',
      '2026-03-02T10:00:00+25:00',
      ' 2026-03-02T10:00:00Z',
    ])
      expect(parseTimestamp(bad), bad).toBeNaN();
  });

  it('that are not get a 400 naming the field, and the good ones are stored as written', async () => {
    for (const timestamp of ['5', '2026-02-30T10:00:00Z', 'Tue, 01 Dec 2026 10:00:00 GMT']) {
      const res = await post(`${c.url}/v1/batch`, { batch: [{ ...event({ type: 'page' }), timestamp }] });
      expect(res.status, timestamp).toBe(400);
      expect(res.body.rejected[0].issues[0].path).toBe('timestamp');
    }
    // The analysts' times are read as strictly.
    for (const from of ['2026-02-30', '2026-02-30T10:00:00Z', 'Tue, 01 Dec 2026 10:00:00 GMT']) {
      const res = await get(`${c.url}/v1/query/events?from=${encodeURIComponent(from)}`, KEYS.analyst[0], true);
      expect(res.status, from).toBe(400);
      expect(res.body.error.issues[0].path).toBe('from');
    }
    expect((await get(`${c.url}/v1/query/events?from=2026-02-28&to=2026-03-01T00:00:00Z`, KEYS.analyst[0], true)).status).toBe(200);
    const e = { ...event({ type: 'page', anonymousId: 'zoned' }), timestamp: '2026-06-01T12:00:00+02:00' };
    expect((await post(`${c.url}/v1/batch`, { batch: [e] })).body.accepted).toBe(1);
    expect((await exported()).find((x) => x.anonymousId === 'zoned')?.timestamp).toBe('2026-06-01T10:00:00.000Z');
  });
});

describe('lone surrogates', () => {
  it('in ids are refused with a reason; whole pairs are text like any other', async () => {
    const lone = await post(`${c.url}/v1/batch`, { batch: [event({ type: 'page', anonymousId: 'visitor-\ud800' }), event({ type: 'page', userId: '\udc00', anonymousId: undefined })] });
    expect(lone.status).toBe(400);
    expect(lone.body.rejected.map((r: { issues: { path: string; message: string }[] }) => r.issues[0])).toEqual([
      { path: 'anonymousId', message: expect.stringContaining('lone surrogate') },
      { path: 'userId', message: expect.stringContaining('lone surrogate') },
    ]);
    const pair = await post(`${c.url}/v1/batch`, { batch: [event({ type: 'page', anonymousId: 'visitor-\ud83d\ude00' })] });
    expect(pair.body.accepted).toBe(1);
    expect((await exported()).map((e) => e.anonymousId)).toContain('visitor-\u{1F600}');
  });
});

describe('CSV cells', () => {
  it('that a spreadsheet would read as a formula are neutralised; numbers stay numbers', () => {
    expect(['=HYPERLINK("http://evil","x")', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\rx'].map(csvField)).toEqual([
      `"'=HYPERLINK(""http://evil"",""x"")"`,
      "'+cmd",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
    ]);
    expect([-5, '-5', '+1.5e3', 'plain', 0, null, { a: '=1' }].map(csvField)).toEqual(['-5', '-5', '+1.5e3', 'plain', '0', '', '"{""a"":""=1""}"']);
  });

  it('are neutralised in every CSV answer', async () => {
    const name = '=HYPERLINK("http://evil.test","open")';
    await post(`${c.url}/v1/batch`, {
      batch: [
        event({ type: 'track', event: '@SUM(1)', anonymousId: 'csv' }),
        event({ type: 'track', event: 'Product Viewed', anonymousId: 'csv', properties: { product_id: name, category: '+cat' } }),
      ],
    });
    const csv = async (path: string) => (await fetch(`${c.url}${path}`, { headers: analyst })).text();
    expect(await csv('/v1/query/top-products?format=csv')).toContain(`"'=HYPERLINK(""http://evil.test"",""open"")"`);
    expect(await csv('/v1/query/events?by=event&format=csv')).toContain("'@SUM(1)");
    expect(await csv('/v1/query/events?by=prop.category&format=csv')).toContain("'+cat");
    const rows = await csv('/v1/export/events?format=csv');
    expect(rows).toContain(",'@SUM(1),");
    expect(rows).not.toMatch(/,[=+@]/);
  });
});

describe('keys', () => {
  const batch = () => ({ batch: [event({ type: 'page' })] });

  it('that are secret are accepted only in the Authorization header', async () => {
    const inBody = await post(`${c.url}/v1/batch`, { ...batch(), writeKey: KEYS.admin[0] }, { key: null });
    expect(inBody.status).toBe(401);
    expect(inBody.body.error.issues[0].path).toBe('writeKey');
    expect((await get(`${c.url}/v1/recommendations?strategy=popular&writeKey=${KEYS.admin[0]}`, null)).status).toBe(401);
    expect((await get(`${c.url}/v1/recommendations?strategy=popular&writeKey=${KEYS.analyst[0]}`, null)).status).toBe(401);
    expect((await post(`${c.url}/v1/batch`, batch(), { key: KEYS.admin[0] })).status).toBe(200);
    expect((await post(`${c.url}/v1/batch`, { ...batch(), writeKey: KEYS.write[0] }, { key: null })).status).toBe(200);
  });

  it('are read from a strictly formed header', async () => {
    const status = async (authorization: string) => (await fetch(`${c.url}/v1/slots`, { headers: { authorization } })).status;
    expect(await status(`Bearer ${KEYS.admin[0]}`)).toBe(200);
    expect(await status(`Bearer ${KEYS.admin[0]} junk`)).toBe(401);
    expect(await status(`Bearer ${KEYS.admin[0]},other`)).toBe(401);
    expect(await status(`${basic(KEYS.admin[0])}`)).toBe(200);
    expect(await status(`${basic(KEYS.admin[0])} junk`)).toBe(401);
    expect(await status(`Basic ${Buffer.from(`${KEYS.admin[0]}:`).toString('base64')}!!`)).toBe(401);
    expect(await status(`Token ${KEYS.admin[0]}`)).toBe(401);
  });
});

describe('paths', () => {
  it('are matched exactly: another case or a trailing slash is not found', async () => {
    for (const path of ['/DASHBOARD', '/Dashboard/', '/dashboard/', '/dashboard/Dashboard.css', '/V1/openapi.json', '/health/']) {
      const res = await fetch(`${c.url}${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
    expect((await fetch(`${c.url}/dashboard`)).status).toBe(200);
  });
});

describe('content codings', () => {
  const send = (body: Buffer | string, encoding: string) =>
    fetch(`${c.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: basic(KEYS.write[0]) },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });

  it('gzip is decoded; a coding Patron does not read is refused, never misread', async () => {
    const text = JSON.stringify({ batch: [event({ type: 'page', anonymousId: 'gzipped' })] });
    const gzipped = await send(gzipSync(text), 'gzip');
    expect(gzipped.status).toBe(200);
    expect((await gzipped.json()).accepted).toBe(1);
    for (const coding of ['br', 'deflate', 'gzip, br', 'rot13']) {
      const res = await send(text, coding);
      expect(res.status, coding).toBe(415);
      expect((await res.json()).error.issues[0].path).toBe('Content-Encoding');
    }
    expect((await send(text, 'gzip')).status).toBe(400);
  });

  it('a small gzip body cannot unpack into more than the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100_000);
    const res = await send(bomb, 'gzip');
    expect(res.status).toBe(413);
  });
});

describe('a duplicate', () => {
  it('is an event whose messageId was stored before, whatever timestamp it is resent with', async () => {
    const order = event({
      type: 'track',
      event: 'Order Completed',
      anonymousId: 'resender',
      properties: { order_id: 'twice', revenue: 30, products: [{ product_id: 'P-R', price: 30, quantity: 1 }] },
    });
    expect((await post(`${c.url}/v1/batch`, { batch: [order] })).body).toMatchObject({ accepted: 1, duplicates: 0 });
    const resent = { ...order, timestamp: new Date(Date.parse(order.timestamp) + 2000).toISOString() };
    expect((await post(`${c.url}/v1/batch`, { batch: [resent] })).body).toMatchObject({ accepted: 0, duplicates: 1 });
    const revenue = await get(`${c.url}/v1/query/events?event=Order%20Completed&anonymousId=resender&measures=count,revenue`, KEYS.analyst[0], true);
    expect(revenue.body.rows).toEqual([{ count: 1, revenue: 30 }]);
  });
});

describe('the quarantine', () => {
  it('keeps the start of each rejected event, at most so many events, and says how many it dropped', async () => {
    const q = await startCollector({ quarantine: { maxEvents: 3, maxAgeDays: 7 } });
    try {
      const invalid = (n: number) => ({ messageId: `bad-${n}`, anonymousId: 'a', timestamp: new Date().toISOString(), properties: { text: 'h'.repeat(30_000) } });
      const res = await post(`${q.url}/v1/batch`, { batch: [1, 2, 3, 4, 5].map(invalid) });
      expect(res.body.rejected).toHaveLength(5);
      await q.app.patron.quarantine.prune();
      const listed = await get(`${q.url}/v1/quarantine`, KEYS.analyst[0], true);
      expect(listed.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(['bad-5', 'bad-4', 'bad-3']);
      expect(listed.body.events[0].raw.length).toBeLessThanOrEqual(2000);
      expect(listed.body.events[0].raw).toMatch(/^\{"messageId":"bad-5"/);
      expect(listed.body.dropped).toEqual({ expired: 0, overCap: 2 });
      // Past the age limit, everything goes.
      await q.app.patron.quarantine.prune(Date.now() + 8 * 86_400_000);
      expect((await get(`${q.url}/v1/quarantine`, KEYS.analyst[0], true)).body).toMatchObject({ events: [], dropped: { expired: 3, overCap: 2 } });
    } finally {
      await q.stop();
    }
  });
});

describe('a gzip body that unpacks to nothing', () => {
  it('is still refused once more than the limit is sent', async () => {
    // Stored blocks of no data: megabytes in, nothing out.
    const empty = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);
    const block = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
    const body = Buffer.concat([empty, ...Array.from({ length: 200_000 }, () => block)]);
    expect(body.length).toBeGreaterThan(512_000);
    const res = await fetch(`${c.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: basic(KEYS.write[0]) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array(body));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});
