// The journal's worker thread: fills the SQLite tables from the ingest journal behind the requests, on a
// connection of its own (the database's only writer of ingested data), and tells the main thread how far it
// has got. Built to dist/journal-worker.mjs by rollup: Node 20 cannot apply tsx's loader inside a worker.

import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { createApplier, type JournalHeader } from './journal-apply';
import { readRecords, type JournalPosition } from './journal';

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

/** main -> worker: `now`, someone waits to read back what is written; `close`: apply it, then say `closed`. */
export type ToJournalWorker = { now: true } | { close: true };
/** worker -> main. */
export type FromJournalWorker = { applied: JournalPosition } | { closed: true } | { error: string };

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
// The journal may only be removed once the database holds its records for good: this connection syncs.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
const applier = createApplier(db);
let applied = start;
let written = start;
let closing = false;

function drain(): void {
  written = Math.max(written, Number(Atomics.load(writtenSoFar, 0)));
  try {
    while (applied < written) {
      const before = applied;
      let batch: { header: JournalHeader; body?: Buffer }[] = [];
      let events = 0;
      let end = applied;
      const flush = () => {
        if (batch.length === 0) return;
        applier.apply(batch, end);
        applied = end;
        parentPort!.postMessage({ applied } satisfies FromJournalWorker);
        batch = [];
        events = 0;
      };
      for (const records of readRecords(journal, applied, written)) {
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
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).stack ?? String(error) } satisfies FromJournalWorker);
  }
  if (closing && applied >= written) {
    db.close();
    parentPort!.postMessage({ closed: true } satisfies FromJournalWorker);
    parentPort!.close();
  }
}

const polling = setInterval(drain, GATHER_MS);

parentPort!.on('message', (message: ToJournalWorker) => {
  if ('close' in message) {
    closing = true;
    clearInterval(polling);
  }
  drain();
});
