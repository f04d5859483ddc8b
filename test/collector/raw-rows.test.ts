// The journal's worker reads rows straight from the request body's text; they must be the rows JSON.parse
// and toStored would have made, for every event ingest lets through its fast path.
import { describe, expect, it } from 'vitest';
import { fastValid } from '../../collector/ingest/fast-validate';
import { toStored } from '../../collector/domain/stored-event';
import { rowOfEvent } from '../../collector/store/sqlite/journal-apply';
import { rowsFromBody } from '../../collector/store/sqlite/raw-rows';
import { random } from '../../recommender';
import { corpus } from './fuzz';

const AT = 1_764_590_000_000;
/** What the worker would store for these events, made the slow way. */
const expected = (events: unknown[]) => events.map((e) => rowOfEvent(toStored(JSON.parse(JSON.stringify(e)), AT)));
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('rows read from the body', () => {
  const fast = [1, 2, 3].flatMap((seed) => corpus(6000, seed)).filter((e) => fastValid(JSON.parse(JSON.stringify(e ?? null)), Date.now()));

  it('equal the rows of the parsed events, compact or pretty-printed, whichever events are picked', () => {
    expect(fast.length).toBeGreaterThan(3000);
    const rand = random(5);
    for (let start = 0; start < fast.length; start += 20) {
      const events = fast.slice(start, start + 20);
      const picked = all(events.length).filter(() => rand() < 0.8);
      const want = expected(picked.map((i) => events[i]));
      expect(rowsFromBody(JSON.stringify({ batch: events, writeKey: 'pk', sentAt: 'now' }), picked, AT)).toEqual(want);
      // White space outside strings is taken out (exports write one line per event); the values are the same.
      expect(rowsFromBody(JSON.stringify({ batch: events }, null, 2), picked, AT)).toEqual(want);
    }
  });

  it('read a single event beside its write key, with the type the endpoint implies', () => {
    const e = { event: 'Product Viewed', messageId: 'm-1', anonymousId: 'a', timestamp: '2026-06-01T10:00:00.000Z', properties: { product_id: 'p' } };
    expect(rowsFromBody(JSON.stringify({ writeKey: 'pk', ...e }), [0], AT, 'track', true)).toEqual(expected([{ ...e, type: 'track' }]));
  });

  it('decode escapes, skip brackets and quotes inside strings, and let a repeated key win as JSON.parse does', () => {
    const body =
      '{"batch":[{"type":"track","event":"Caf\\u00e9 \\"Viewed\\"","messageId":"m\\\\1","anonymousId":"a","timestamp":"2026-06-01T10:00:00.000Z",' +
      '"properties":{"product_id":"p-old","note":"]}[{\\\\","product_id":"p","total":12.5,"nested":[{"a":"}"},[1,2,"\\"]"]]},' +
      '"context":{"sessionId":"s-old","page":{"url":"https://x/?q=\\"}"},"sessionId":"s"},"extra":null}],"batch":[{"type":"page","name":"Home","messageId":"m2","userId":"u","timestamp":"2026-06-01T10:00:01.000Z"}]}';
    expect(rowsFromBody(body, [0], AT)).toEqual(expected((JSON.parse(body) as { batch: unknown[] }).batch));
    const first =
      '{"batch":[{"type":"track","event":"Caf\\u00e9","messageId":"m\\\\1","anonymousId":"a","timestamp":"2026-06-01T10:00:00.000Z","properties":{"product_id":"p-old","product_id":"p","total":12.5},"context":{"sessionId":"s-old","sessionId":"s"}}]}';
    const [row] = rowsFromBody(first, [0], AT)!;
    expect(row.slice(0, 11)).toEqual(expected((JSON.parse(first) as { batch: unknown[] }).batch)[0].slice(0, 11));
  });

  it('give up, for the caller to parse, on what ingest would not have let through its fast path', () => {
    const ok = { type: 'track', event: 'E', messageId: 'm', anonymousId: 'a', timestamp: '2026-06-01T10:00:00.000Z' };
    expect(rowsFromBody(JSON.stringify({ batch: [{ ...ok, type: 'screen' }] }), [0], AT)).toBeNull();
    expect(rowsFromBody(JSON.stringify({ batch: [{ ...ok, messageId: 7 }] }), [0], AT)).toBeNull();
    expect(rowsFromBody(JSON.stringify({ batch: [{ ...ok, properties: [] }] }), [0], AT)).toBeNull();
    expect(rowsFromBody(JSON.stringify({ batch: [ok] }), [1], AT)).toBeNull();
    expect(rowsFromBody('{"batch":[{"type":"track"', [0], AT)).toBeNull();
    expect(rowsFromBody(JSON.stringify({ events: [ok] }), [0], AT)).toBeNull();
  });
});
