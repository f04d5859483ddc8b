// The SQLite store's identities: ties of anonymous ids to users, written through the journal with the events
// that made them.

import type Database from 'better-sqlite3';
import type { IdentityStore } from '../store';
import type { IngestWriter } from './ingest-writer';

export function sqliteIdentities(db: Database.Database, writer: IngestWriter): IdentityStore {
  return {
    async linkIdentities(links) {
      if (links.length) await writer.write({ k: 'l', links: links.map((l) => [l.anonymousId, l.userId, l.at]) });
    },
    async listIdentities() {
      await writer.settled();
      const rows = db.prepare('SELECT anonymous_id, user_id FROM identities').all() as { anonymous_id: string; user_id: string }[];
      return new Map(rows.map((r) => [r.anonymous_id, r.user_id]));
    },
  };
}
