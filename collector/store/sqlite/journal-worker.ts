// The journal's worker thread: fills the SQLite tables from the ingest journal behind the requests, on a
// connection of its own (the database's only writer of ingested data), and tells the main thread how far it
// has got. Built to dist/journal-worker.mjs by rollup: Node 20 cannot apply tsx's loader inside a worker.

import fs from 'node:fs';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createApplier, type JournalHeader } from './journal-apply';
import { readRecords, segmentOf, type JournalDamage, type JournalPosition } from './journal';
import { secureDelete } from './schema';
import { storageFailureOf } from './storage-failure';

export interface JournalWorkerData {
  database: string;
  journal: string;
  /** Where applying starts. */
  applied: JournalPosition;
  /**
   * One int64: how far the journal is written, set by the main thread after each write and read here every
   * GATHER_MS. A message per write would wake this thread a thousand times a second, and every wake costs
   * tens of microseconds on the main thread of a small virtual machine.
   */
  written: SharedArrayBuffer;
}

/**
 * main -> worker: `now`, someone waits to read back what is written; `count`, someone asks how many events the
 * tables hold once it is applied; `checkpoint`, to empty the write-ahead log; `sync`, to make what is applied
 * durable and say so (`durable`) at once, whatever segment it is in; `select`, to read rows no index finds (a
 * person's: a scan of a million rows, here rather than on the main thread); `transact`, to run statements in one
 * transaction (a person's rows removed: no sync waits on the main thread); `close`: apply it, then say `closed`.
 */
export type ToJournalWorker =
  | { now: true }
  | { count: number }
  | { checkpoint: number }
  | { sync: true }
  | { select: number; sql: string; params: unknown[] }
  | { transact: number; statements: [sql: string, params: unknown[]][] }
  | { close: true };
/**
 * worker -> main: `applied`, the tables hold the records up to here (readers may go on); `durable`, and they
 * are on the device (the journal's segments before it may go); `damaged`, reading skipped damage; `closed`;
 * `error`, with `storage` saying why when the disk failed (a full disk), until `recovered`; `counted`, the
 * answer to `count` (the events, or why the tables could not catch up); `checkpointed`, the answer to
 * `checkpoint` (false: a reader kept the write-ahead log from being emptied).
 */
export type FromJournalWorker =
  | { checkpointed: number; done: boolean }
  | { selected: number; rows?: unknown[][]; failed?: string }
  | { transacted: number; changes?: number[]; failed?: string }
  | { counted: number; events: number }
  | { counted: number; failed: string }
  | { applied: JournalPosition }
  | { durable: JournalPosition }
  | { damaged: JournalDamage }
  | { closed: true }
  | { error: string; storage?: string }
  | { recovered: true };

// Events per transaction: large enough to share the commit's cost, small enough that the write lock the main
// connection may be waiting for (catalog, slots) is never held long.
const EVENTS_PER_TRANSACTION = 2000;
// How long records may wait to be applied together when nobody waits for them: a transaction for every few
// requests would cost several times what the rows do.
const GATHER_MS = 20;

const { database, journal, applied: start, written: shared } = workerData as JournalWorkerData;
const writtenSoFar = new BigInt64Array(shared);
// Background work: the requests come first. On Linux a nice value is a thread's own (elsewhere it would be the
// whole process's, requests included, so it is left alone there).
if (process.platform === 'linux') {
  try {
    os.setPriority(0, 19);
  } catch {
    // not allowed here: it runs at the process's priority
  }
}
const db = new Database(database);
db.pragma('journal_mode = WAL');
secureDelete(db);
// Commits are not synced one by one: the journal still holds what they hold. Before a segment of it may be
// removed, the write-ahead log is synced (durableUpTo), and a checkpoint syncs the database as it always does.
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
const applier = createApplier(db);
let applied = start;
let durable = start;
let written = start;
let closing = false;
let wal: number | undefined;

/** Makes everything applied durable and says so, when a segment of the journal has been applied since. */
function durableUpTo(force: boolean, tell = false): void {
  if (applied !== durable && (force || segmentOf(applied) !== segmentOf(durable))) {
    wal ??= fs.openSync(`${database}-wal`, 'r');
    fs.fdatasyncSync(wal);
    durable = applied;
  } else if (!tell) return;
  parentPort!.postMessage({ durable } satisfies FromJournalWorker);
}

// After a failure (a full disk, say), the next attempt waits a while, and the same failure is told once.
let retryAt = 0;
let lastError = '';

function drain(): void {
  written = Math.max(written, Number(Atomics.load(writtenSoFar, 0)));
  if (performance.now() < retryAt && !closing) return;
  try {
    while (applied < written) {
      const before = applied;
      let batch: { header: JournalHeader; body?: Buffer }[] = [];
      let events = 0;
      let end = applied;
      const flush = () => {
        if (end === applied) return;
        applier.apply(batch, end);
        applied = end;
        parentPort!.postMessage({ applied } satisfies FromJournalWorker);
        batch = [];
        events = 0;
      };
      const damaged = (damage: JournalDamage) => {
        parentPort!.postMessage({ damaged: damage } satisfies FromJournalWorker);
        // Damage at the end of what is written has no record after it to carry the position past it.
        end = damage.resume;
      };
      for (const records of readRecords(journal, applied, { until: written, damaged })) {
        for (const r of records) {
          batch.push({ header: r.header as JournalHeader, body: r.body });
          end = r.end;
          const h = r.header as JournalHeader;
          events += h.k === 'e' ? (h.i?.length ?? 0) + (h.x?.length ?? 0) : 1;
          if (events >= EVENTS_PER_TRANSACTION) flush();
        }
      }
      flush();
      // Nothing readable up to `written` (it points past what is on disk): do not spin.
      if (applied === before) break;
    }
    durableUpTo(closing);
    if (lastError) parentPort!.postMessage({ recovered: true } satisfies FromJournalWorker);
    lastError = '';
  } catch (error) {
    const message = (error as Error).stack ?? String(error);
    const storage = storageFailureOf(error) ?? undefined;
    if (message !== lastError) parentPort!.postMessage({ error: `${message} (retrying every second)`, storage } satisfies FromJournalWorker);
    lastError = message;
    retryAt = performance.now() + 1000;
    if (closing) {
      // Nothing more can be done now: what is not applied stays in the journal for the next start.
      written = applied;
    }
  }
  if (closing && applied >= written) {
    if (wal !== undefined) fs.closeSync(wal);
    db.close();
    parentPort!.postMessage({ closed: true } satisfies FromJournalWorker);
    parentPort!.close();
  }
}

const polling = setInterval(drain, GATHER_MS);

// Counted here, not on the main thread: a count reads every row of an index (a tenth of a second at a million).
const countEvents = db.prepare('SELECT count(*) FROM events').pluck();

/** Answers a count once what is written is applied, or says why it is not. */
function count(id: number): void {
  if (applied < written) return parentPort!.postMessage({ counted: id, failed: lastError || 'the tables are behind the journal' } satisfies FromJournalWorker);
  parentPort!.postMessage({ counted: id, events: countEvents.get() as number } satisfies FromJournalWorker);
}

/**
 * Copies the write-ahead log into the database and empties the log (here, not on the main thread: it writes and
 * syncs the whole log). What the log held of deleted rows goes with it.
 */
function checkpoint(id: number): void {
  let done = false;
  // A truncating checkpoint waits for readers and holds writers meanwhile: it waits only a moment here (the main
  // connection's writes must not stall behind it), and the caller tries again later.
  db.pragma('busy_timeout = 50');
  try {
    done = (db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0].busy === 0;
  } catch {
    // busy or failing: told as not done
  } finally {
    db.pragma('busy_timeout = 10000');
  }
  parentPort!.postMessage({ checkpointed: id, done } satisfies FromJournalWorker);
}

/** Answers a read (rows as arrays), once what is written is applied: a reader sees every acknowledged write. */
function select(id: number, sql: string, params: unknown[]): void {
  try {
    parentPort!.postMessage({
      selected: id,
      rows: db
        .prepare(sql)
        .raw(true)
        .all(...params) as unknown[][],
    } satisfies FromJournalWorker);
  } catch (error) {
    parentPort!.postMessage({ selected: id, failed: (error as Error).message } satisfies FromJournalWorker);
  }
}

/** Runs statements in one transaction, after what is written is applied; answers with the rows each changed. */
function transact(id: number, statements: [string, unknown[]][]): void {
  try {
    const changes = db.transaction(() => statements.map(([sql, params]) => db.prepare(sql).run(...params).changes))();
    parentPort!.postMessage({ transacted: id, changes } satisfies FromJournalWorker);
  } catch (error) {
    parentPort!.postMessage({ transacted: id, failed: (error as Error).message } satisfies FromJournalWorker);
  }
}

parentPort!.on('message', (message: ToJournalWorker) => {
  if ('close' in message) {
    closing = true;
    clearInterval(polling);
  }
  drain();
  if ('count' in message) count(message.count);
  if ('checkpoint' in message) checkpoint(message.checkpoint);
  if ('sync' in message) durableUpTo(true, true);
  if ('select' in message) select(message.select, message.sql, message.params);
  if ('transact' in message) transact(message.transact, message.statements);
});
