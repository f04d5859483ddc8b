// The embedded store: SQLite through better-sqlite3, WAL, statements prepared once; one file per role
// (events, catalog, slots, experiments, identities, snapshots, queries) on one connection.
//
// What ingest writes goes through the journal (ingest-writer.ts): a request is answered once its record is
// durable there (fdatasync unless durability is 'normal'), and a worker thread fills the tables behind it,
// so the main thread never waits on SQLite for an event. Readers of those tables wait for the worker with
// settled(), so an API answer always includes every acknowledged event.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../store';
import { sqliteCatalog } from './catalog';
import { Condition } from './condition';
import { sqliteEvents } from './events';
import { sqliteExperiments } from './experiments';
import { sqliteIdentities } from './identities';
import { directWriter, journalWriter, type IngestWriter } from './ingest-writer';
import { createApplier } from './journal-apply';
import { sqliteEventQueries } from './queries';
import { openDatabase } from './schema';
import { sqliteSlots } from './slots';
import { sqliteSnapshots } from './snapshots';
import { sqlitePeople } from './people';
import { sqliteProgress } from './progress';
import { sqliteWebhooks } from './webhooks';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. Parent folders are created. */
  file: string;
  /**
   * full (default): an acknowledged event survives a power cut. normal: it survives the collector being
   * killed, but the last commits can be lost if the machine itself goes down.
   */
  durability?: 'full' | 'normal';
  /**
   * Journal ingest (default for a file). false writes to the tables directly, as a short-lived command does
   * (after replaying what a collector that stopped left in the journal, if none is running).
   */
  journal?: boolean;
  /** The built journal worker. */
  journalWorker?: string;
  log?: (message: string) => void;
}

// Built from journal-worker.ts by rollup: Node 20 cannot apply tsx's loader inside a worker thread.
export const DEFAULT_JOURNAL_WORKER = fileURLToPath(new URL('../../../dist/journal-worker.mjs', import.meta.url));

export function openSqliteStore({ file, durability = 'full', journal = true, journalWorker = DEFAULT_JOURNAL_WORKER, log = () => {} }: SqliteStoreOptions): Store {
  const db = openDatabase(file, durability);
  const condition = new Condition(path.resolve(file), log);
  const writer: IngestWriter =
    (file !== ':memory:' && journalWriter({ database: path.resolve(file), db, sync: durability === 'full', own: journal, workerScript: journalWorker, log, condition })) ||
    directWriter(createApplier(db), condition, db);
  const settled = () => writer.settled();
  const events = sqliteEvents(db, writer, `${path.resolve(file)}.keys`, log);
  return {
    ...events,
    ...sqliteCatalog(db),
    ...sqliteSlots(db, writer),
    ...sqliteExperiments(db),
    ...sqliteIdentities(db, writer),
    ...sqliteSnapshots(db),
    ...sqliteProgress(db),
    ...sqliteWebhooks(db),
    ...sqliteEventQueries(db, settled),
    ...sqlitePeople(db, writer, file === ':memory:' ? null : { database: path.resolve(file), journal: `${path.resolve(file)}.journal` }),
    settled,
    shareable: file === ':memory:' ? null : `sqlite:${path.resolve(file)}`,
    condition: () => condition.get(),
    async close() {
      await writer.close();
      events.close();
      if (db.open) db.close();
    },
  };
}
