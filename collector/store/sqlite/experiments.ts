// The SQLite store's experiments: each record as JSON under its id, on the main connection (a merchant's
// action, rare, written at once).

import type Database from 'better-sqlite3';
import type { ExperimentRecord } from '../../domain/experiment';
import type { ExperimentStore } from '../store';

export function sqliteExperiments(db: Database.Database): ExperimentStore {
  const list = db.prepare('SELECT record FROM experiments ORDER BY created_at, id');
  const save = db.prepare('INSERT INTO experiments (id, record, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record');
  return {
    async listExperiments() {
      return (list.all() as { record: string }[]).map((r) => JSON.parse(r.record) as ExperimentRecord);
    },
    async saveExperiment(record) {
      save.run(record.definition.id, JSON.stringify(record), record.createdAt);
    },
  };
}
