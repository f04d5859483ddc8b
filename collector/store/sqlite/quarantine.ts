// The SQLite store's quarantine: rejected events with their reasons, kept within an age and a count, and how
// many were dropped for each (in the meta table, so the counts survive restarts).

import type Database from 'better-sqlite3';
import type { QuarantinedEvent } from '../../domain/stored-event';
import type { EventStore, QuarantineDropped } from '../store';
import type { IngestWriter } from './ingest-writer';

type QuarantineRole = Pick<EventStore, 'quarantine' | 'listQuarantine' | 'pruneQuarantine' | 'quarantineDropped'>;

interface QuarantineRow {
  id: number;
  received_at: number;
  message_id: string | null;
  reasons: string;
  raw: string;
}

export function sqliteQuarantine(db: Database.Database, writer: IngestWriter): QuarantineRole {
  const meta = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const count = (key: string) => (meta.get(key) as number | undefined) ?? 0;
  const addCount = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value');
  // Each delete takes at most `most` rows by the primary key, so one call never holds the database for long.
  const dropOlder = db.prepare('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE received_at < ? ORDER BY received_at LIMIT ?)');
  const lastOverCap = db.prepare('SELECT id FROM quarantine ORDER BY id DESC LIMIT 1 OFFSET ?').pluck();
  // Ids only grow, so the span of ids bounds the count: a table within the cap is known so without reading it.
  const span = db.prepare('SELECT coalesce(max(id) - min(id) + 1, 0) FROM quarantine').pluck();
  const dropUpTo = db.prepare('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE id <= ? ORDER BY id LIMIT ?)');

  return {
    async quarantine(rows) {
      if (rows.length) await writer.write({ k: 'q', rows });
    },
    async listQuarantine(limit, beforeId) {
      await writer.settled();
      const rows = db.prepare('SELECT * FROM quarantine WHERE id < ? ORDER BY id DESC LIMIT ?').all(beforeId ?? Number.MAX_SAFE_INTEGER, limit) as QuarantineRow[];
      return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, messageId: r.message_id, reasons: JSON.parse(r.reasons) as QuarantinedEvent['reasons'], raw: r.raw }));
    },
    async pruneQuarantine({ before, keep, most }) {
      await writer.settled();
      return db.transaction((): QuarantineDropped => {
        const expired = dropOlder.run(before, most).changes;
        const cut = expired < most && (span.get() as number) > keep ? (lastOverCap.get(keep) as number | undefined) : undefined;
        const overCap = cut === undefined ? 0 : dropUpTo.run(cut, most - expired).changes;
        if (expired) addCount.run('quarantine_expired', expired);
        if (overCap) addCount.run('quarantine_over_cap', overCap);
        return { expired, overCap };
      })();
    },
    async quarantineDropped() {
      await writer.settled();
      return { expired: count('quarantine_expired'), overCap: count('quarantine_over_cap') };
    },
  };
}
