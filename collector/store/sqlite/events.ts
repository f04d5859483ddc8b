// The SQLite store's events: written through the ingest writer (journalled, or directly), told apart from
// duplicates exactly, and read back in time order; the quarantine (quarantine.ts) and the count of events
// clients dropped.
//
// A duplicate is an event whose messageId was stored before, whatever its timestamp (as Segment dedups: a
// retry, a beacon, a second tab or an order resent with a corrected clock). Duplicates are told apart before
// journalling, by a set of every stored messageId with the second of its event (key-set.ts), checked against
// the table through its unique key (timestamp, message_id), which also refuses a second copy at rest whatever
// the path. Live events arrive in roughly time order, so that index grows at its end (an index on the random
// messageId alone would dirty a random page with every insert: 5x slower here).

import type Database from 'better-sqlite3';
import { parseRawEvent, type RawEvent, type StoredEvent } from '../../domain/stored-event';
import type { ArrivalHint, EventStore } from '../store';
import type { IngestWriter } from './ingest-writer';
import type { JournalHeader } from './journal-apply';
import { KeySet } from './key-set';
import { sqliteQuarantine } from './quarantine';

export const SCAN_COLUMNS = ['message_id', 'type', 'event', 'anonymous_id', 'user_id', 'session_id', 'timestamp', 'received_at', 'properties', 'context', 'traits'] as const;
export type ScanRow = [string, StoredEvent['type'], string | null, string | null, string | null, string | null, number, number, string, string, string | null];

export function toRawEvent(r: ScanRow): RawEvent {
  return { messageId: r[0], type: r[1], event: r[2], anonymousId: r[3], userId: r[4], sessionId: r[5], timestamp: r[6], receivedAt: r[7], properties: r[8], context: r[9], traits: r[10] };
}

/**
 * Every stored event's messageId: the set saved at the last stop (or ten minutes before a crash) and the ids
 * of the rows stored since, or all of them read from the table when there is no saved set that fits it (or no
 * `file`: a store that writes the tables directly keeps no set between runs).
 */
function loadKeys(db: Database.Database, file: string | null): KeySet {
  const saved = file === null ? null : KeySet.load(file);
  let from = 0;
  let keys: KeySet;
  const marked = saved && saved.mark > 0 ? (db.prepare('SELECT timestamp, message_id FROM events WHERE id = ?').raw(true).get(saved.mark) as [number, string] | undefined) : undefined;
  // A saved set fits if the row it was saved after is there and in it (not a set of another database's).
  if (saved && (saved.mark === 0 || (marked && saved.keys.secondOf(marked[1]) === Math.floor(marked[0] / 1000)))) {
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

/** How events are written: which are new is known from the key set before they are written (or journalled). */
function eventInserts(db: Database.Database, writer: IngestWriter, keys: KeySet): EventStore['insertEvents'] {
  // One second of the index on (timestamp, message_id): where the key set says the id's event is.
  const isStored = db.prepare('SELECT 1 FROM events WHERE timestamp >= ? AND timestamp < ? AND message_id = ?').pluck();
  const stored = (messageId: string) => {
    const second = keys.secondOf(messageId);
    return second !== -1 && isStored.get(second * 1000, second * 1000 + 1000, messageId) !== undefined;
  };

  /**
   * Writes the events at `picked` (by position in the request body where they are as they arrived), and gives
   * those the tables took: all of them journalled; written directly, those whose row was not there already
   * (another process may have written it since this one read the ids).
   */
  async function writeEvents(events: StoredEvent[], picked: number[], arrival?: ArrivalHint): Promise<number[]> {
    const at = events[picked[0]].receivedAt;
    const inBody: number[] = [];
    const whole: number[] = [];
    for (const k of picked) (arrival && arrival.positions[k] >= 0 && events[k].receivedAt === at ? inBody : whole).push(k);
    const header: JournalHeader = { k: 'e', at };
    if (arrival?.impliedType) header.t = arrival.impliedType;
    if (arrival?.single) header.s = 1;
    if (inBody.length) header.i = inBody.map((k) => arrival!.positions[k]);
    if (whole.length) header.x = whole.map((k) => events[k]);
    // The record's events are those in the body, then those given whole.
    const order = [...inBody, ...whole];
    const isNew = await writer.write(header, inBody.length ? arrival!.body : undefined);
    return isNew ? order.filter((_, j) => isNew[j]) : order;
  }

  // Ids seen but not stored (a first write that failed), being written now: a second request with one of them
  // waits for that write and checks again, so two resends at once are not both stored.
  const writing = new Map<string, Promise<void>>();

  /**
   * Claims the ids of events seen but not stored (at once, so no other request claims them too): `write` writes
   * them and moves their ids' second to where they now are; either releases the claim.
   */
  function claimLookalikes(events: StoredEvent[], picked: number[], arrival?: ArrivalHint) {
    let resolve = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    for (const k of picked) writing.set(events[k].messageId, done);
    const release = () => {
      for (const k of picked) writing.delete(events[k].messageId);
      resolve();
    };
    const write = async () => {
      try {
        const taken = await writeEvents(events, picked, arrival);
        for (const k of taken) keys.moveTo(events[k].messageId, events[k].timestamp);
        return taken;
      } finally {
        release();
      }
    };
    return { write, release };
  }

  /** Which events are new is known from the key set, and each "seen" checked against the tables. */
  return async function insertEvents(events, arrival) {
    if (events.length === 0) return { inserted: [], duplicates: 0 };
    const fresh: number[] = [];
    const seen: number[] = [];
    for (let k = 0; k < events.length; k++) (keys.add(events[k].timestamp, events[k].messageId) ? fresh : seen).push(k);
    // The new ones are journalled before anything is awaited, so that a request arriving meanwhile with the
    // same event finds it when it checks.
    const written = fresh.length ? writeEvents(events, fresh, arrival) : Promise.resolve([]);
    // Awaited below, but the check of the tables may fail first (a full disk): then its failure is no one's.
    written.catch(() => {});
    const lookalikes: number[] = [];
    if (seen.length) {
      const inCall = new Set(fresh.map((k) => events[k].messageId));
      const check = seen.filter((k) => !inCall.has(events[k].messageId));
      if (check.length) {
        await Promise.all(check.flatMap((k) => writing.get(events[k].messageId) ?? []));
        await writer.settled();
        for (const k of check) if (!writing.has(events[k].messageId) && !stored(events[k].messageId)) lookalikes.push(k);
      }
    }
    const claim = lookalikes.length ? claimLookalikes(events, lookalikes, arrival) : undefined;
    const kept = await written.catch((error: unknown) => {
      claim?.release();
      throw error;
    });
    if (claim) kept.push(...(await claim.write()));
    if (kept.length === events.length) return { inserted: events, duplicates: 0 };
    const taken = new Set(kept);
    const inserted = events.filter((_, k) => taken.has(k));
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
  // Duplicates are known before anything is stored: every stored id, in memory. Journalled, the set is saved
  // beside the database every ten minutes and at the stop so that the next start need not read them all.
  const keys = loadKeys(db, writer.journalled ? keysFile : null);
  const save = () => void keys.saveInBackground(keysFile, lastRowId(db)).catch((error: Error) => log(`could not save the dedup keys: ${error.message}`));
  const saving = writer.journalled && setInterval(save, SAVE_KEYS_EVERY_MS).unref();
  const insertEvents = eventInserts(db, writer, keys);
  const pages = eventPages(db);

  return {
    insertEvents,
    ...sqliteQuarantine(db, writer),
    countEvents: () => writer.countEvents(() => (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n),
    async *scanEvents(pageSize = 5000) {
      await writer.settled();
      for (const page of pages(pageSize)) yield page.map(parseRawEvent);
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
      if (writer.journalled && db.open) keys.save(keysFile, lastRowId(db));
    },
  };
}
