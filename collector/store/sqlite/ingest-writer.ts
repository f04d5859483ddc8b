// How the SQLite store writes what ingest sends it, in one of two ways:
// - journalled (a database file whose journal this process owns): a record is durable once the journal has
//   it; a worker thread fills the tables behind, and readers wait for it with settled();
// - direct (':memory:', or a second process on a database whose collector holds the journal, such as
//   `patron import`): records that arrive together are applied in one transaction on this connection.

import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Condition } from './condition';
import { createApplier, type Applier, type JournalHeader } from './journal-apply';
import { Journal, keepAside, lockJournal, positionOf, readRecords, segmentOf, type JournalDamage, type JournalPosition } from './journal';
import type { FromJournalWorker, JournalWorkerData, ToJournalWorker } from './journal-worker';

export interface IngestWriter {
  readonly journalled: boolean;
  /**
   * Writes a record durably. Direct: resolves with which events of an event record were new to the table.
   * Journalled: with undefined (the caller has decided what is new before journalling).
   */
  write(header: JournalHeader, body?: Buffer): Promise<boolean[] | undefined>;
  /** Resolves once everything written before the call is in the tables. */
  settled(): Promise<void>;
  /** How many events the tables hold once everything written before the call is in them (off this thread if it can). */
  countEvents(count: () => number): Promise<number>;
  /** Resolves once the journal's records written before the call are gone from it (in the tables for good); at once without one. */
  clearJournal(): Promise<void>;
  /** Checkpoints the write-ahead log into the database and empties it; false when a reader kept it from finishing. */
  checkpoint(): Promise<boolean>;
  /** Runs a read no index serves off the main thread, when there is a thread for it (else null: read in slices here). */
  select: ((sql: string, params: readonly unknown[]) => Promise<unknown[][]>) | null;
  /** Runs statements in one transaction on that thread (no sync waits here); the rows each changed. Else null. */
  transact: ((statements: readonly [sql: string, params: unknown[]][]) => Promise<number[]>) | null;
  close(): Promise<void>;
}

/** Empties the write-ahead log of `db` into its file (TRUNCATE: the log's bytes go too). */
export function checkpointHere(db: Database.Database): boolean {
  // It waits for readers, holding writers meanwhile: only for a moment (the caller tries again later).
  const wait = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 50');
  try {
    return (db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]?.busy === 0;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${wait}`);
  }
}

export function directWriter(applier: Applier, condition: Condition, db: Database.Database): IngestWriter {
  // Group commit: every record written before the next turn of the event loop joins one transaction.
  let waiting: { header: JournalHeader; body?: Buffer; resolve: (r: boolean[] | undefined) => void; reject: (e: unknown) => void }[] = [];
  const commit = () => {
    const jobs = waiting;
    waiting = [];
    try {
      const results = applier.apply(jobs);
      condition.failing('tables', null);
      let e = 0;
      for (const j of jobs) j.resolve(j.header.k === 'e' ? results[e++] : undefined);
    } catch (error) {
      const refusal = condition.failed('tables', error);
      for (const j of jobs) j.reject(refusal);
    }
  };
  return {
    journalled: false,
    write: (header, body) =>
      new Promise((resolve, reject) => {
        if (waiting.push({ header, body, resolve, reject }) === 1) setImmediate(commit);
      }),
    settled: async () => {},
    countEvents: async (count) => count(),
    clearJournal: async () => {},
    checkpoint: async () => checkpointHere(db),
    select: null,
    transact: null,
    close: async () => {
      if (waiting.length) commit();
    },
  };
}

export interface JournalOptions {
  database: string;
  db: Database.Database;
  sync: boolean;
  /** Keep the journal for this process's own writes; else only replay what is left in it, then let it go. */
  own: boolean;
  workerScript: string;
  log: (message: string) => void;
  /** Where damage found in the journal, and writes failing, are recorded. */
  condition: Condition;
}

/**
 * Takes the database's journal over, once what an earlier run left unapplied in it is in the tables: its lock
 * and the applier, or null when another process holds it, or when this one should not keep it (not `own`, or
 * the worker is not built), having replayed it all the same.
 */
function takeOver({ database, db, own, workerScript, log, condition }: JournalOptions): { lock: { release: () => void }; applier: Applier } | null {
  const dir = `${database}.journal`;
  if (!own && !fs.existsSync(dir)) return null;
  const lock = lockJournal(dir);
  if (!lock.locked) {
    log(`the journal of ${database} belongs to process ${lock.holder}: writing to the database directly`);
    return null;
  }
  condition.keptEarlier();
  const applier = createApplier(db);
  const { replayed, damaged } = replay(dir, applier, condition);
  if (replayed) log(`replayed ${replayed} journal records a previous run left unapplied`);
  // Their records are in the tables now: what is left of them is for the operator to look at.
  for (const segment of damaged) condition.keptAside(segment, keepAside(dir, segment));
  if (!own || !fs.existsSync(workerScript)) {
    if (own) log(`no ${workerScript} (run npm run build): writing to the database directly`);
    lock.release();
    return null;
  }
  return { lock, applier };
}

/**
 * The journalled writer, when this process can own the database's journal (else null). Either way, if no
 * other process holds the journal, what an earlier one left unapplied in it is replayed first.
 */
export function journalWriter(options: JournalOptions): IngestWriter | null {
  const taken = takeOver(options);
  if (!taken) return null;
  const { database, sync, workerScript, log, condition } = options;
  const { lock, applier } = taken;
  const dir = `${database}.journal`;
  const journal = new Journal(dir, { sync });
  // Everything before the new segment is in the tables now.
  let applied: JournalPosition = positionOf(journal.segment, 0);
  let durable = applied;
  applier.apply([], applied);
  journal.removeBefore(journal.segment);

  let waiters: { target: JournalPosition; resolve: () => void; reject: (error: unknown) => void }[] = [];
  const counts = new Map<number, { resolve: (events: number) => void; reject: (error: unknown) => void }>();
  let lastCount = 0;
  const checkpoints = new Map<number, (done: boolean) => void>();
  let lastCheckpoint = 0;
  const selects = new Map<number, { resolve: (rows: unknown[][]) => void; reject: (error: unknown) => void }>();
  const transactions = new Map<number, { resolve: (changes: number[]) => void; reject: (error: unknown) => void }>();
  // Each question asked of the worker (a read, a transaction) gets the next number.
  let lastAsk = 0;
  // Who waits for the journal's segments before a position to be removed (clearJournal).
  let clearing: { target: JournalPosition; resolve: () => void }[] = [];
  let closing = false;
  let worker: Worker;
  let closed: () => void = () => {};
  // How far the journal is written, shared with the worker (it looks every few milliseconds).
  const written = new SharedArrayBuffer(8);
  const writtenSoFar = new BigInt64Array(written);
  Atomics.store(writtenSoFar, 0, BigInt(applied));
  const start = () => {
    worker = new Worker(workerScript, { workerData: { database, journal: dir, applied, written } satisfies JournalWorkerData });
    worker.on('message', (m: FromJournalWorker) => {
      if ('counted' in m) {
        const asked = counts.get(m.counted);
        counts.delete(m.counted);
        if ('events' in m) asked?.resolve(m.events);
        else asked?.reject(condition.unavailable('tables') ?? new Error(m.failed));
      } else if ('transacted' in m) {
        const asked = transactions.get(m.transacted);
        transactions.delete(m.transacted);
        if (m.changes) asked?.resolve(m.changes);
        else asked?.reject(new Error(m.failed));
      } else if ('selected' in m) {
        const asked = selects.get(m.selected);
        selects.delete(m.selected);
        if (m.rows) asked?.resolve(m.rows);
        else asked?.reject(new Error(m.failed));
      } else if ('checkpointed' in m) {
        checkpoints.get(m.checkpointed)?.(m.done);
        checkpoints.delete(m.checkpointed);
      } else if ('durable' in m) {
        durable = m.durable;
        journal.removeBefore(segmentOf(durable));
        clearing = clearing.filter((c) => (c.target <= durable ? (c.resolve(), false) : true));
      } else if ('applied' in m) {
        applied = m.applied;
        waiters = waiters.filter((w) => (w.target <= applied ? (w.resolve(), false) : true));
      } else if ('damaged' in m) {
        if (condition.damaged(m.damaged)) journal.markDamaged(m.damaged.segment);
      } else if ('error' in m) {
        log(`journal worker: ${m.error}`);
        if (m.storage) tablesFailing(m.storage);
      } else if ('recovered' in m) condition.failing('tables', null);
      else closed();
    });
    worker.on('error', (error) => log(`journal worker failed: ${error.stack ?? error}`));
    worker.on('exit', () => {
      for (const asked of counts.values()) asked.reject(new Error('the journal worker stopped before it counted'));
      counts.clear();
      for (const asked of checkpoints.values()) asked(false);
      checkpoints.clear();
      for (const asked of [...selects.values(), ...transactions.values()]) asked.reject(new Error('the journal worker stopped before it answered'));
      selects.clear();
      transactions.clear();
      if (closing) return closed();
      // The journal keeps every record: a new worker goes on from where the tables are.
      log('journal worker exited; starting another');
      start();
    });
  };
  // Readers waiting for the tables would wait for the disk: they hear why instead, and may ask again later.
  const tablesFailing = (reason: string) => {
    condition.failing('tables', reason);
    const refusal = condition.unavailable('tables');
    for (const w of waiters.splice(0)) w.reject(refusal);
  };
  start();
  journal.onWritten = (position) => Atomics.store(writtenSoFar, 0, BigInt(position));
  journal.onKeptAside = (segment, name) => condition.keptAside(segment, name);

  const writer: IngestWriter = {
    journalled: true,
    write: async (header, body) => {
      try {
        await journal.append(header, body);
      } catch (error) {
        throw condition.failed('journal', error);
      }
      condition.failing('journal', null);
      return undefined;
    },
    async settled() {
      await journal.idle();
      const target = journal.position;
      if (target <= applied) return;
      const refusal = condition.unavailable('tables');
      if (refusal) throw refusal;
      // The worker gathers records for a moment before applying them; a reader should not wait for that.
      worker.postMessage({ now: true } satisfies ToJournalWorker);
      await new Promise<void>((resolve, reject) => waiters.push({ target, resolve, reject }));
    },
    // The worker counts, once it has applied what is written: on this thread a count would hold every request
    // up for as long as it reads the index.
    async countEvents() {
      await journal.idle();
      const refusal = condition.unavailable('tables');
      if (refusal) throw refusal;
      const id = ++lastCount;
      return new Promise<number>((resolve, reject) => {
        counts.set(id, { resolve, reject });
        worker.postMessage({ count: id } satisfies ToJournalWorker);
      });
    },
    async clearJournal() {
      await journal.idle();
      journal.startNewSegment();
      // A record of nothing (no events dropped) opens the new segment: the tables reach it once they hold all before.
      await writer.write({ k: 'd', n: 0 });
      const target = positionOf(journal.segment, 0);
      await writer.settled();
      if (durable >= target) return;
      const cleared = new Promise<void>((resolve) => clearing.push({ target, resolve }));
      // Asked for at once: a worker started again meanwhile would only say so at its next segment.
      worker.postMessage({ sync: true } satisfies ToJournalWorker);
      await cleared;
    },
    async select(sql, params) {
      await journal.idle();
      const id = ++lastAsk;
      return new Promise<unknown[][]>((resolve, reject) => {
        selects.set(id, { resolve, reject });
        worker.postMessage({ select: id, sql, params: [...params] } satisfies ToJournalWorker);
      });
    },
    async transact(statements) {
      await journal.idle();
      const id = ++lastAsk;
      return new Promise<number[]>((resolve, reject) => {
        transactions.set(id, { resolve, reject });
        worker.postMessage({ transact: id, statements: statements.map(([sql, params]) => [sql, [...params]]) } satisfies ToJournalWorker);
      });
    },
    checkpoint() {
      const id = ++lastCheckpoint;
      return new Promise<boolean>((resolve) => {
        checkpoints.set(id, resolve);
        worker.postMessage({ checkpoint: id } satisfies ToJournalWorker);
      });
    },
    async close() {
      await journal.close();
      closing = true;
      await new Promise<void>((resolve) => {
        closed = resolve;
        worker.postMessage({ close: true } satisfies ToJournalWorker);
      });
      await worker.terminate();
      // Only what the tables hold for good goes: anything the worker could not apply waits for the next start.
      journal.removeBefore(durable >= journal.position ? Infinity : segmentOf(durable));
      lock.release();
    },
  };
  return writer;
}

/** Applies the records after the position the tables record; returns how many there were, and the damaged segments. */
function replay(dir: string, applier: Applier, condition: Condition): { replayed: number; damaged: Set<number> } {
  let replayed = 0;
  const damaged = new Set<number>();
  const found = (damage: JournalDamage) => (condition.damaged(damage), damaged.add(damage.segment));
  for (const records of readRecords(dir, applier.applied(), { damaged: found })) {
    applier.apply(
      records.map((r) => ({ header: r.header as JournalHeader, body: r.body })),
      records[records.length - 1].end,
    );
    replayed += records.length;
  }
  return { replayed, damaged };
}
