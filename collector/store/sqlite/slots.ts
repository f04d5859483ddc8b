// The SQLite store's slots: the merchant's configurations (main connection), and the per-day counters and
// attributed orders that ingest writes through the journal.

import type Database from 'better-sqlite3';
import type { SlotConfig } from '../../domain/slot-config';
import type { SlotStats, SlotStore } from '../store';
import type { IngestWriter } from './ingest-writer';

export function sqliteSlots(db: Database.Database, writer: IngestWriter): SlotStore {
  return {
    async listSlots() {
      const rows = db.prepare('SELECT name, config, updated_at FROM slots ORDER BY name').all() as { name: string; config: string; updated_at: number }[];
      return rows.map((r) => ({ name: r.name, config: JSON.parse(r.config) as SlotConfig, updatedAt: r.updated_at }));
    },
    async putSlot(name, config, at) {
      const existed = db.prepare('SELECT 1 FROM slots WHERE name = ?').get(name) !== undefined;
      db.prepare('INSERT INTO slots (name, config, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at').run(
        name,
        JSON.stringify(config),
        at,
      );
      return !existed;
    },
    async deleteSlot(name) {
      return db.prepare('DELETE FROM slots WHERE name = ?').run(name).changes > 0;
    },
    async addSlotStats(stats, attributions) {
      if (stats.length || attributions.length) await writer.write({ k: 's', stats, attributions });
    },
    async slotReport({ from, to, slot }) {
      await writer.settled();
      return db
        .prepare(
          `SELECT day, slot, impressions, clicks, orders, revenue FROM slot_stats
           WHERE day >= ? AND day <= ? AND (? IS NULL OR slot = ?) ORDER BY day, slot`,
        )
        .all(from ?? '0000-00-00', to ?? '9999-99-99', slot ?? null, slot ?? null) as SlotStats[];
    },
  };
}
