// 10,000 malformed or hostile requests mixed with valid events. The collector never answers 5xx, keeps every
// valid event and quarantines every invalid one with its reason; zod's verdict is the oracle.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nestsDeeperThan } from '../../collector/ingest/validate';
import { LIMITS } from '../../collector/domain/limits';
import { eventSchema } from '../../collector/domain/event';
import { asMeant } from '../../collector/ingest/compat';
import { random } from '../../recommender';
import { corpus, mutatedEvent, validEvent } from './fuzz';
import { KEYS, basic, startCollector, type Running } from './helpers';

const REQUESTS = 10_000;
const CONCURRENCY = 16;

let c: Running;
beforeAll(async () => {
  c = await startCollector({ rateLimits: false });
});
afterAll(() => c.stop());

interface Case {
  path: string;
  body: Buffer;
  headers: Record<string, string>;
  /** The events of a well-formed batch, to judge the answer by. */
  events?: unknown[];
  /** Events invalid for what their text holds, which their parse cannot show (a repeated key). */
  refused?: number[];
}

/** Deeply nested JSON, as text: building it as an object and stringifying would overflow the stack here too. */
function deepText(depth: number): string {
  let open = '';
  let close = '';
  for (let i = 0; i < depth; i++) {
    open += i % 2 ? '[' : '{"v":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

/** Valid per zod and within the per-event limits: what must be stored. */
function oracle(e: unknown): boolean {
  if (nestsDeeperThan(e, LIMITS.depth)) return false;
  if (Buffer.byteLength(JSON.stringify(e) ?? '') > LIMITS.eventBytes) return false;
  // As it went on the wire (NaN is sent as null), read as its client meant it (ingest/compat.ts): `"userId": null`
  // is an anonymous event, not an error.
  const sent: unknown = JSON.parse(JSON.stringify(e) ?? 'null');
  return eventSchema.safeParse(asMeant(sent, undefined, Date.now())).success;
}

function makeCase(rand: () => number): Case {
  const json = { 'content-type': 'application/json', authorization: basic(KEYS.write[0]) };
  const batchOf = (events: unknown[], extra: object = {}): Case => ({ path: '/v1/batch', body: Buffer.from(JSON.stringify({ batch: events, ...extra })), headers: json, events });
  const roll = rand();
  if (roll < 0.4) return batchOf(corpus(1 + Math.floor(rand() * 8), Math.floor(rand() * 1e9)));
  if (roll < 0.47) {
    const e = mutatedEvent(rand);
    return { path: rand() < 0.5 ? '/v1/track' : '/v1/page', body: Buffer.from(JSON.stringify(e) ?? 'null'), headers: json };
  }
  if (roll < 0.55) {
    const text = JSON.stringify({ batch: [validEvent(rand), validEvent(rand)] });
    return { path: '/v1/batch', body: Buffer.from(text.slice(0, Math.floor(rand() * text.length))), headers: json };
  }
  if (roll < 0.6) {
    const type = ['text/html', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/xml', 'image/png'][Math.floor(rand() * 5)];
    return { path: '/v1/batch', body: Buffer.from(JSON.stringify({ batch: [validEvent(rand)] })), headers: { ...json, 'content-type': type } };
  }
  if (roll < 0.65) {
    // invalid UTF-8 inside a string: decoded as U+FFFD, the event stays valid
    const e = validEvent(rand);
    const [head, tail] = JSON.stringify({ batch: [e] }).split('"anonymousId":"');
    return { path: '/v1/batch', body: Buffer.concat([Buffer.from(`${head}"anonymousId":"`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(tail)]), headers: json };
  }
  if (roll < 0.7) {
    const e = validEvent(rand);
    e.properties = { ...(e.properties as object), nested: '@@DEEP@@' };
    const text = JSON.stringify({ batch: [e, validEvent(rand)] }).replace('"@@DEEP@@"', deepText(20 + Math.floor(rand() * 20_000)));
    return { path: '/v1/batch', body: Buffer.from(text), headers: json, events: JSON.parse(text).batch };
  }
  if (roll < 0.75) {
    const bodies = ['[]', 'null', '"batch"', '42', '{"batch":{}}', '{"batch":"x"}', '{}', '{"batch":[]}', '{"batch":null}', ''];
    return { path: '/v1/batch', body: Buffer.from(bodies[Math.floor(rand() * bodies.length)]), headers: json };
  }
  if (roll < 0.8) {
    const e = validEvent(rand);
    e.properties = { ...(e.properties as object), text: 'h'.repeat(33_000 + Math.floor(rand() * 10_000)) };
    return batchOf([validEvent(rand), e]);
  }
  if (roll < 0.85) {
    const text = `{"batch":[${JSON.stringify(validEvent(rand))}],"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`;
    return { path: '/v1/batch', body: Buffer.from(text), headers: json, events: JSON.parse(text).batch };
  }
  if (roll < 0.9) {
    const e = validEvent(rand);
    const impossible = [
      '0001-01-01T00:00:00Z',
      '2999-01-01T00:00:00Z',
      '-271821-04-20T00:00:00Z',
      '1e400',
      'NaN',
      '2026-13-45T99:99:99Z',
      '2026-02-30T10:00:00Z',
      '5',
      'Tue, 01 Dec 2026 10:00:00 GMT',
    ];
    e.timestamp = impossible[Math.floor(rand() * impossible.length)];
    return batchOf([e, validEvent(rand)]);
  }
  if (roll < 0.91) {
    // A key twice in one object: JSON.parse keeps the last, SQL would read the first.
    const [a, b] = [validEvent(rand), validEvent(rand)];
    const text = JSON.stringify({ batch: [a, b] }).replace(`"messageId":"${b.messageId as string}"`, `"messageId":"${b.messageId as string}","anonymousId":"other"`);
    return { path: '/v1/batch', body: Buffer.from(text), headers: json, events: JSON.parse(text).batch, refused: [1] };
  }
  if (roll < 0.92) {
    const e = validEvent(rand);
    e[['messageId', 'anonymousId'][Math.floor(rand() * 2)]] = `id-\ud800-${randomUUID()}`; // half of a surrogate pair
    return batchOf([validEvent(rand), e]);
  }
  if (roll < 0.93) return { ...batchOf([validEvent(rand)]), headers: { ...json, authorization: basic('pk_wrong') }, events: undefined };
  if (roll < 0.9305) return { path: '/v1/batch', body: Buffer.alloc(10 * 1024 * 1024, 0x20), headers: json };
  if (roll < 0.95) {
    // Content codings: gzip is read, anything else refused (415), never read as if it were plain JSON.
    const events = corpus(1 + Math.floor(rand() * 4), Math.floor(rand() * 1e9));
    const text = JSON.stringify({ batch: events });
    const pick = Math.floor(rand() * 6);
    if (pick === 0) return { path: '/v1/batch', body: gzipSync(text), headers: { ...json, 'content-encoding': 'gzip' }, events };
    if (pick === 1) return { path: '/v1/batch', body: gzipSync(text).subarray(0, 20), headers: { ...json, 'content-encoding': 'gzip' } };
    if (pick === 2) return { path: '/v1/batch', body: Buffer.from(text), headers: { ...json, 'content-encoding': 'gzip' } };
    return { path: '/v1/batch', body: Buffer.from(text), headers: { ...json, 'content-encoding': ['br', 'deflate', 'compress, gzip'][pick - 3] } };
  }
  return batchOf([...corpus(3, Math.floor(rand() * 1e9)), { messageId: randomUUID() }]);
}

function send(url: URL, c: Case): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: c.path, method: 'POST', headers: { ...c.headers, 'content-length': c.body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // A server that answers 413 early may close before a 10 MB body is written: that is an answer too.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: 413, body: '{}' }) : reject(error)));
    req.end(c.body);
  });
}

describe('fuzzing the collector over HTTP', () => {
  it('never crashes or answers 5xx, keeps every valid event and quarantines every invalid one', async () => {
    const rand = random(20261123);
    const url = new URL(c.url);
    const statuses = new Map<number, number>();
    let expectedStored = 0;
    let expectedQuarantined = 0;
    let duplicates = 0;
    let judged = 0;
    let next = 0;
    const worker = async () => {
      while (next < REQUESTS) {
        next++;
        const k = makeCase(rand);
        const res = await send(url, k);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, res.body).toBeLessThan(500);
        if (res.status !== 413) expect(() => JSON.parse(res.body)).not.toThrow();
        const body = res.status === 200 || res.status === 400 ? JSON.parse(res.body) : {};
        expectedStored += body.accepted ?? 0;
        duplicates += body.duplicates ?? 0;
        if (!k.events || (res.status !== 200 && res.status !== 400)) continue;
        const invalid = k.events.flatMap((e, i) => (oracle(e) && !k.refused?.includes(i) ? [] : [i]));
        expect(body.rejected.map((r: { index: number }) => r.index)).toEqual(invalid);
        for (const r of body.rejected) expect(r.issues.length).toBeGreaterThan(0);
        expect(body.accepted + body.duplicates).toBe(k.events.length - invalid.length);
        expectedQuarantined += invalid.length;
        judged++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect((await fetch(`${c.url}/health`)).status).toBe(200);
    await c.app.patron.store.settled(); // the tables are filled from the journal a moment after the answer
    const db = new Database(c.database, { readonly: true });
    const stored = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const quarantined = (db.prepare('SELECT count(*) AS n FROM quarantine').get() as { n: number }).n;
    const reasonless = (db.prepare("SELECT count(*) AS n FROM quarantine WHERE reasons = '[]'").get() as { n: number }).n;
    db.close();
    expect(stored).toBe(expectedStored);
    // single-event requests are quarantined too, beyond the judged batches
    expect(quarantined).toBeGreaterThanOrEqual(expectedQuarantined);
    expect(reasonless).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const summary = [...statuses.entries()]
      .sort()
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    console.log(`fuzz: ${REQUESTS} requests (${summary}); ${judged} batches judged against zod; ${stored} events stored, ${quarantined} quarantined, ${duplicates} duplicates answered as such`);
  }, 600_000); // 10,000 requests: 40 s on a quiet machine, several times that on a busy one
});
