// The SQLite store's events: written through the ingest writer (journalled, or directly), told apart from
// duplicates exactly, and read back in time order; the quarantine and the count of events clients dropped.
//
// Duplicates are told apart before journalling, by a set of every stored key (key-set.ts); the table's own
// unique key (timestamp, message_id) still refuses a second copy at rest, whatever the path. A retry, a
// beacon or a second tab re-sends the same event with the same timestamp, and live events arrive in roughly
// time order, so the unique index grows at its end (keyed by a random messageId alone, every insert would
// dirty a random index page: 5x slower here).

import type Database from 'better-sqlite3';
import type { QuarantinedEvent, RawEvent, StoredEvent } from '../../domain/stored-event';
import type { ArrivalHint, EventStore } from '../store';
import type { IngestWriter } from './ingest-writer';
import type { JournalHeader } from './journal-apply';
import { KeySet } from './key-set';

const SCAN_COLUMNS = ['message_id', 'type', 'event', 'anonymous_id', 'user_id', 'session_id', 'timestamp', 'received_at', 'properties', 'context', 'traits'] as const;
type ScanRow = [string, StoredEvent['type'], string | null, string | null, string | null, string | null, number, number, string, string, string | null];

function toRawEvent(r: ScanRow): RawEvent {
  return { messageId: r[0], type: r[1], event: r[2], anonymousId: r[3], userId: r[4], sessionId: r[5], timestamp: r[6], receivedAt: r[7], properties: r[8], context: r[9], traits: r[10] };
}

function parsed(raw: RawEvent): StoredEvent {
  return {
    ...raw,
    properties: JSON.parse(raw.properties) as StoredEvent['properties'],
    context: JSON.parse(raw.context) as StoredEvent['context'],
    traits: raw.traits === null ? null : (JSON.parse(raw.traits) as StoredEvent['traits']),
  };
}

/**
 * Every stored event's dedup key: the set saved at the last stop (or ten minutes before a crash) and the keys
 * of the rows stored since, or all of them read from the table when there is no saved set that fits it.
 */
function loadKeys(db: Database.Database, file: string): KeySet {
  const saved = KeySet.load(file);
  let from = 0;
  let keys: KeySet;
  const marked = saved && saved.mark > 0 ? (db.prepare('SELECT timestamp, message_id FROM events WHERE id = ?').raw(true).get(saved.mark) as [number, string] | undefined) : undefined;
  // A saved set fits if the row it was saved after is there and in it (not a set of another database's).
  if (saved && (saved.mark === 0 || (marked && saved.keys.has(marked[0], marked[1])))) {
    keys = saved.keys;
    from = saved.mark;
  } else {
    const count = (db.prepare('SELECT count(*) FROM events').pluck().get() as number) ?? 0;
    keys = new KeySet(Math.max(1024, count * 1.25));
  }
  for (const [timestamp, messageId] of db.prepare('SELECT timestamp, message_id FROM events WHERE id > ?').raw(true).iterate(from) as IterableIterator<[number, string]>)
    keys.add(timestamp, messageId);
  return keys;
}

/** The last stored row's id: what a saved key set covers. */
const lastRowId = (db: Database.Database) => (db.prepare('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;

// How often the key set is saved beside the database while the collector runs (a crash loses only the keys
// stored since, which start-up reads from the table).
const SAVE_KEYS_EVERY_MS = 10 * 60_000;

/**
 * How events are written: journalled, which are new is known from the key set before the record is written;
 * direct, the table's unique key says so as the rows go in.
 */
function eventInserts(db: Database.Database, writer: IngestWriter, keys: KeySet | null): EventStore['insertEvents'] {
  const isStored = db.prepare('SELECT 1 FROM events WHERE timestamp = ? AND message_id = ?').pluck();

  /** Writes the events at `picked`: by position in the request body where they are as they arrived. */
  function writeEvents(events: StoredEvent[], picked: number[], arrival?: ArrivalHint) {
    const at = events[picked[0]].receivedAt;
    const inBody: number[] = [];
    const whole: StoredEvent[] = [];
    for (const k of picked) {
      const position = arrival?.positions[k] ?? -1;
      if (position >= 0 && events[k].receivedAt === at) inBody.push(position);
      else whole.push(events[k]);
    }
    const header: JournalHeader = { k: 'e', at };
    if (arrival?.impliedType) header.t = arrival.impliedType;
    if (arrival?.single) header.s = 1;
    if (inBody.length) header.i = inBody;
    if (whole.length) header.x = whole;
    return writer.write(header, inBody.length ? arrival!.body : undefined);
  }

  /** Journalled: which events are new is known from the key set, and each "seen" checked against the tables. */
  async function insertJournalled(events: StoredEvent[], keys: KeySet, arrival?: ArrivalHint) {
    const fresh: number[] = [];
    const seen: number[] = [];
    for (let k = 0; k < events.length; k++) (keys.add(events[k].timestamp, events[k].messageId) ? fresh : seen).push(k);
    // The new ones are journalled before anything is awaited, so that a request arriving meanwhile with the
    // same event finds it when it checks.
    const written = fresh.length ? writeEvents(events, fresh, arrival) : undefined;
    // Awaited below, but the check of the tables may fail first (a full disk): then its failure is no one's.
    written?.catch(() => {});
    const lookalikes: number[] = [];
    if (seen.length) {
      const keyOf = (k: number) => `${events[k].timestamp} ${events[k].messageId}`;
      const inCall = new Set(fresh.map(keyOf));
      const check = seen.filter((k) => !inCall.has(keyOf(k)));
      if (check.length) {
        await writer.settled();
        for (const k of check) if (isStored.get(events[k].timestamp, events[k].messageId) === undefined) lookalikes.push(k);
      }
    }
    await written;
    if (lookalikes.length) await writeEvents(events, lookalikes, arrival);
    if (seen.length === 0) return { inserted: events, duplicates: 0 };
    const stored = new Set([...fresh, ...lookalikes]);
    const inserted = events.filter((_, k) => stored.has(k));
    return { inserted, duplicates: events.length - inserted.length };
  }

  return async function insertEvents(events, arrival) {
    if (events.length === 0) return { inserted: [], duplicates: 0 };
    if (keys) return insertJournalled(events, keys, arrival);
    // Direct: the table's unique key says which are new.
    const isNew = (await writeEvents(
      events,
      events.map((_, k) => k),
      arrival,
    ))!;
    const inserted = events.filter((_, k) => isNew[k]);
    return { inserted, duplicates: events.length - inserted.length };
  };
}

/** Every event in time order, a page at a time (keyset pagination: each page is one index seek). */
function eventPages(db: Database.Database) {
  // Rows as arrays (twice as fast as objects), in SCAN_COLUMNS order.
  const pageOfEvents = db.prepare(`SELECT ${SCAN_COLUMNS.join(', ')} FROM events WHERE (timestamp, message_id) > (?, ?) AND timestamp < ? ORDER BY timestamp, message_id LIMIT ?`).raw(true);

  return function* pages(pageSize: number, range: { from?: number; to?: number } = {}): Generator<RawEvent[]> {
    let after: [number, string] = [range.from ?? -Infinity, ''];
    for (;;) {
      const rows = pageOfEvents.all(after[0], after[1], range.to ?? Infinity, pageSize) as ScanRow[];
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = [last[6], last[0]];
      yield rows.map(toRawEvent);
    }
  };
}

/** The events role of the SQLite store; `close` saves the key set for the next start. */
export function sqliteEvents(db: Database.Database, writer: IngestWriter, keysFile: string, log: (message: string) => void): EventStore & { close(): void } {
  // Journalled, duplicates are known before the worker stores anything: every stored key, in memory, saved
  // beside the database every ten minutes and at the stop so that the next start need not read them all.
  const keys = writer.journalled ? loadKeys(db, keysFile) : null;
  const save = (keys: KeySet) => void keys.saveInBackground(keysFile, lastRowId(db)).catch((error: Error) => log(`could not save the dedup keys: ${error.message}`));
  const saving = keys && setInterval(() => save(keys), SAVE_KEYS_EVERY_MS).unref();
  const insertEvents = eventInserts(db, writer, keys);
  const pages = eventPages(db);

  return {
    insertEvents,
    async quarantine(rows) {
      if (rows.length) await writer.write({ k: 'q', rows });
    },
    async listQuarantine(limit, beforeId) {
      await writer.settled();
      const rows = db.prepare('SELECT * FROM quarantine WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as {
        id: number;
        received_at: number;
        message_id: string | null;
        reasons: string;
        raw: string;
      }[];
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, messageId: r.message_id, reasons: JSON.parse(r.reasons) as QuarantinedEvent['reasons'], raw: r.raw }));
    },
    async countEvents() {
      await writer.settled();
      return (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    },
    async *scanEvents(pageSize = 5000) {
      await writer.settled();
      for (const page of pages(pageSize)) yield page.map(parsed);
    },
    async *scanRawEvents(pageSize = 5000, range) {
      await writer.settled();
      yield* pages(pageSize, range);
    },
    async addClientDropped(n) {
      await writer.write({ k: 'd', n });
    },
    async clientDropped() {
      await writer.settled();
      return (db.prepare("SELECT value FROM meta WHERE key = 'client_dropped'").get() as { value: number } | undefined)?.value ?? 0;
    },
    close() {
      if (saving) clearInterval(saving);
      if (keys && db.open) keys.save(keysFile, lastRowId(db));
    },
  };
}
