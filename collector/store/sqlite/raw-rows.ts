// The events table's rows read straight from a request body's JSON text, for the journal's worker: the
// properties, context and traits columns are the text the client sent (it is valid JSON: ingest parsed the
// very same bytes), and the few scalar columns are picked out on the way, so no object is built and nothing
// is serialised again. It reads only events ingest accepted on its fast path (track, page and identify, of the
// plain shapes fastValid admits); for anything it does not expect it answers null, and the caller falls back
// to JSON.parse and toStored, whose rows these must equal (test/collector/raw-rows.test.ts).

import type { EventType } from '../../../sdk/wire';
import { parseTimestamp } from '../../domain/timestamp';

/** A row of the events table, in its column order from message_id to traits. */
export type EventRow = [
  messageId: string,
  type: string,
  event: string | null,
  anonymousId: string | null,
  userId: string | null,
  sessionId: string | null,
  timestamp: number,
  receivedAt: number,
  productId: string | null,
  orderId: string | null,
  revenue: number | null,
  properties: string,
  context: string,
  traits: string | null,
];

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const COLON = 58;

const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

class Unexpected extends Error {}
const fail = (): never => {
  throw new Unexpected();
};

/** A reader over one JSON text, position in `at`; `spaces` counts the runs of white space it has passed. */
class Reader {
  at = 0;
  spaces = 0;
  constructor(readonly s: string) {}

  space(): void {
    const from = this.at;
    while (isSpace(this.s.charCodeAt(this.at))) this.at++;
    if (this.at !== from) this.spaces++;
  }

  expect(c: number): void {
    this.space();
    if (this.s.charCodeAt(this.at) !== c) fail();
    this.at++;
  }

  /** Past the string that starts at `at`; its text (escapes decoded) when `decode`. */
  string(decode: boolean): string | undefined {
    const s = this.s;
    const start = this.at;
    let j = start;
    for (;;) {
      j = s.indexOf('"', j + 1);
      if (j < 0) fail();
      let k = j - 1;
      while (s.charCodeAt(k) === BACKSLASH) k--;
      // An even run of backslashes before the quote escapes itself, not the quote.
      if ((j - 1 - k) % 2 === 0) break;
    }
    this.at = j + 1;
    if (!decode) return undefined;
    const raw = s.slice(start + 1, j);
    return raw.includes('\\') ? (JSON.parse(s.slice(start, j + 1)) as string) : raw;
  }

  /** Past the value that starts at `at` (after white space). */
  skip(): void {
    this.space();
    const s = this.s;
    const c = s.charCodeAt(this.at);
    if (c === QUOTE) return void this.string(false);
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
      // A number, true, false or null: up to the next delimiter.
      let i = this.at;
      while (i < s.length) {
        const d = s.charCodeAt(i);
        if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
        i++;
      }
      if (i === this.at) fail();
      this.at = i;
      return;
    }
    let depth = 0;
    let i = this.at;
    for (;;) {
      const d = s.charCodeAt(i);
      if (d === QUOTE) {
        this.at = i;
        this.string(false);
        i = this.at;
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        if (--depth === 0) {
          this.at = i + 1;
          return;
        }
      } else if (isSpace(d)) this.spaces++;
      else if (i >= s.length) fail();
      i++;
    }
  }

  /** The members of the object at `at`: calls `member(key)` with `at` on each value, which must pass it. */
  object(member: (key: string) => void): void {
    this.expect(OPEN_OBJECT);
    this.space();
    if (this.s.charCodeAt(this.at) === CLOSE_OBJECT) {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      if (this.s.charCodeAt(this.at) !== QUOTE) fail();
      const key = this.string(true)!;
      this.expect(COLON);
      this.space();
      member(key);
      this.space();
      const c = this.s.charCodeAt(this.at++);
      if (c === CLOSE_OBJECT) return;
      if (c !== COMMA) fail();
    }
  }

  /** The string or number at `at`, or BAD for any other value (passed over). */
  scalar(): string | number | typeof BAD {
    this.space();
    const c = this.s.charCodeAt(this.at);
    if (c === QUOTE) return this.string(true)!;
    const start = this.at;
    this.skip();
    if (c !== 45 && (c < 48 || c > 57)) return BAD; // not - or a digit: an object, array, true, false or null
    return Number(this.s.slice(start, this.at));
  }
}

/** A field present with a value of a type the row cannot use (ingest would not have let it by). */
const BAD = Symbol('bad');
type Value = string | number | typeof BAD | undefined;

interface Fields {
  type?: Value;
  event?: Value;
  name?: Value;
  messageId?: Value;
  anonymousId?: Value;
  userId?: Value;
  timestamp?: Value;
  properties?: string;
  /** properties is there but not an object. */
  badProperties?: boolean;
  context?: string;
  traits?: string;
  productId?: Value;
  sku?: Value;
  orderId?: Value;
  revenue?: Value;
  total?: Value;
  sessionId?: Value;
}

const TOP_FIELDS = new Set(['type', 'event', 'name', 'messageId', 'anonymousId', 'userId', 'timestamp']);
const PROPERTY_FIELDS: Record<string, keyof Fields> = { product_id: 'productId', sku: 'sku', order_id: 'orderId', revenue: 'revenue', total: 'total' };

/** The fields of the event object at `r.at` that a row needs. */
function eventFields(r: Reader): Fields {
  const f: Fields = {};
  r.object((key) => {
    if (TOP_FIELDS.has(key)) {
      (f as Record<string, Value>)[key] = r.scalar();
    } else if (key === 'properties' || key === 'context') {
      const start = r.at;
      const spaces = r.spaces;
      // A key given twice: the last one counts, as in JSON.parse.
      if (key === 'properties') f.productId = f.sku = f.orderId = f.revenue = f.total = undefined;
      else f.sessionId = undefined;
      if (r.s.charCodeAt(r.at) !== OPEN_OBJECT) {
        // Not an object: unusable, but an identify event ignores its properties.
        r.skip();
        f[key] = undefined;
        if (key === 'properties') f.badProperties = true;
        else fail();
        return;
      }
      if (key === 'properties') f.badProperties = false;
      r.object((k) => {
        const field = key === 'properties' ? PROPERTY_FIELDS[k] : k === 'sessionId' ? 'sessionId' : undefined;
        if (field) (f as Record<string, Value>)[field] = r.scalar();
        else r.skip();
      });
      f[key] = textOf(r, start, spaces);
    } else if (key === 'traits') {
      const start = r.at;
      const spaces = r.spaces;
      r.skip();
      f.traits = textOf(r, start, spaces);
    } else r.skip();
  });
  return f;
}

/** The value's text from `start` to `r.at`; one with white space outside its strings is normalised. */
function textOf(r: Reader, start: number, spacesBefore: number): string {
  const text = r.s.slice(start, r.at);
  return r.spaces === spacesBefore ? text : JSON.stringify(JSON.parse(text));
}

const str = (v: Value): string | null => (v === undefined ? null : typeof v === 'string' ? v : fail());
const money = (v: Value): number | null => (v === undefined ? null : typeof v === 'number' ? v : fail());

function rowOf(f: Fields, receivedAt: number, impliedType: EventType | undefined): EventRow | null {
  const type = f.type ?? impliedType;
  if (type !== 'track' && type !== 'page' && type !== 'identify') return null;
  const messageId = str(f.messageId);
  const timestamp = str(f.timestamp);
  if (messageId === null || timestamp === null) return null;
  const content = type !== 'identify';
  if (content && f.badProperties) return null;
  return [
    messageId,
    type,
    type === 'track' ? str(f.event) : type === 'page' ? str(f.name) : null,
    str(f.anonymousId),
    str(f.userId),
    str(f.sessionId),
    parseTimestamp(timestamp),
    receivedAt,
    content ? (str(f.productId) ?? str(f.sku)) : null,
    content ? str(f.orderId) : null,
    content ? (money(f.revenue) ?? money(f.total)) : null,
    content ? (f.properties ?? '{}') : '{}',
    f.context ?? '{}',
    type === 'identify' ? (f.traits ?? '{}') : null,
  ];
}

/**
 * The rows of the events at `positions` among a body's events (a batch, or `single` an event), or null when
 * the body holds something this reader does not expect.
 */
export function rowsFromBody(body: string, positions: readonly number[], receivedAt: number, impliedType?: EventType, single = false): EventRow[] | null {
  try {
    const r = new Reader(body);
    const rows = new Array<EventRow | null>(positions.length).fill(null);
    const wanted = new Map<number, number>();
    positions.forEach((p, i) => wanted.set(p, i));
    if (single) {
      if (positions.length !== 1 || positions[0] !== 0) return null;
      rows[0] = rowOf(eventFields(r), receivedAt, impliedType);
    } else {
      let found = false;
      r.object((key) => {
        if (key !== 'batch') return r.skip();
        // A second "batch" key would win in JSON.parse: read it again from the start.
        rows.fill(null);
        found = true;
        r.expect(OPEN_ARRAY);
        r.space();
        if (r.s.charCodeAt(r.at) === CLOSE_ARRAY) return void r.at++;
        for (let index = 0; ; index++) {
          const slot = wanted.get(index);
          if (slot === undefined) r.skip();
          else rows[slot] = rowOf(eventFields(r), receivedAt, impliedType);
          r.space();
          const c = r.s.charCodeAt(r.at++);
          if (c === CLOSE_ARRAY) return;
          if (c !== COMMA) fail();
        }
      });
      if (!found) return null;
    }
    return rows.every((row) => row !== null) ? rows : null;
  } catch (error) {
    if (error instanceof Unexpected || error instanceof SyntaxError) return null;
    throw error;
  }
}
