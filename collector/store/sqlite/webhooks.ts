// The SQLite store's webhook subscriptions (each record as JSON under its id) and its outbox. Deliveries are
// queued as batches, thousands to a row (a refit's 100,000 in a few commits of large rows: one row each cost
// seconds in indexes and syncs), and spread into webhook_deliveries, one row each, when the dispatcher takes them
// up: in the order queued (seq), pending until a 2xx, each attempt logged. A batch is spread and removed in one
// transaction, and a delivery whose id is kept already is not added again, so a batch queued twice (a refit
// redone after a crash) is sent once.

import Database from 'better-sqlite3';
import type { SubscriptionRecord } from '../../domain/webhook';
import type { Delivery, DeliveryAttempt, WebhookStore } from '../store';
import { secureDelete } from './schema';

/** Deliveries to a batch row: a few megabytes, spread in one transaction of a few tens of milliseconds. */
const BATCH_ROWS = 5000;

type Queued = [id: string, customerId: string | null, type: string, payload: string, createdAt: number, dueAt: number | null];

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  customer_id: string | null;
  type: string;
  payload: string;
  created_at: number;
  due_at: number | null;
  attempts: number;
  state: Delivery['state'];
}

const deliveryOf = (r: DeliveryRow): Delivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  customerId: r.customer_id,
  type: r.type,
  payload: r.payload,
  createdAt: r.created_at,
  dueAt: r.due_at,
  attempts: r.attempts,
  state: r.state,
});

/** Deliveries, each with its attempts, oldest first. */
export function withLogs(db: Database.Database, rows: readonly DeliveryRow[]): (Delivery & { log: DeliveryAttempt[] })[] {
  const log = db.prepare('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY at');
  return rows.map((r) => ({
    ...deliveryOf(r),
    log: (log.all(r.id) as { delivery_id: string; at: number; status: number | null; duration_ms: number; excerpt: string }[]).map((a) => ({
      deliveryId: a.delivery_id,
      at: a.at,
      status: a.status,
      durationMs: a.duration_ms,
      excerpt: a.excerpt,
    })),
  }));
}

export function sqliteWebhooks(db: Database.Database): WebhookStore {
  const addBatch = db.prepare('INSERT INTO webhook_batches (subscription_id, count, created_at, deliveries) VALUES (?, ?, ?, ?)');
  const queue = db.transaction((deliveries: readonly Delivery[]) => {
    const bySubscription = new Map<string, Delivery[]>();
    for (const d of deliveries) {
      const list = bySubscription.get(d.subscriptionId) ?? [];
      if (list.push(d) === 1) bySubscription.set(d.subscriptionId, list);
    }
    for (const [subscription, list] of bySubscription) {
      for (let i = 0; i < list.length; i += BATCH_ROWS) {
        const slice = list.slice(i, i + BATCH_ROWS);
        const rows = slice.map((d): Queued => [d.id, d.customerId, d.type, d.payload, d.createdAt, d.dueAt]);
        addBatch.run(subscription, slice.length, slice[0].createdAt, JSON.stringify(rows));
      }
    }
  });
  const insert = db.prepare('INSERT OR IGNORE INTO webhook_deliveries (id, subscription_id, customer_id, type, payload, created_at, due_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const oldestBatch = db.prepare('SELECT * FROM webhook_batches ORDER BY seq LIMIT 1');
  const dropBatch = db.prepare('DELETE FROM webhook_batches WHERE seq = ?');
  // Spreads the oldest batch into rows (the caller takes them up in the order queued).
  const spread = db.transaction(() => {
    const batch = oldestBatch.get() as { seq: number; subscription_id: string; deliveries: string } | undefined;
    if (!batch) return false;
    for (const [id, customerId, type, payload, createdAt, dueAt] of JSON.parse(batch.deliveries) as Queued[])
      insert.run(id, batch.subscription_id, customerId, type, payload, createdAt, dueAt, 0, 'pending');
    dropBatch.run(batch.seq);
    return true;
  });
  // Due, and not behind an earlier pending delivery about the same customer for the same subscription.
  // Of enabled subscriptions only: a paused one's deliveries wait, pending, until it is resumed.
  const due = db.prepare(`SELECT d.* FROM webhook_deliveries d
    JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.state = 'enabled'
    WHERE d.state = 'pending' AND d.due_at <= ?
      AND (d.customer_id IS NULL OR NOT EXISTS (SELECT 1 FROM webhook_deliveries e
        WHERE e.state = 'pending' AND e.subscription_id = d.subscription_id AND e.customer_id = d.customer_id AND e.seq < d.seq))
    ORDER BY d.due_at, d.seq LIMIT ?`);
  const logAttempt = db.prepare('INSERT INTO webhook_attempts (delivery_id, at, status, duration_ms, excerpt) VALUES (?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE webhook_deliveries SET state = ?, due_at = ?, attempts = ? WHERE id = ?');
  const attempts = db.transaction((items: readonly { attempt: DeliveryAttempt; next: Pick<Delivery, 'state' | 'dueAt' | 'attempts'> }[]) => {
    for (const { attempt: a, next } of items) {
      logAttempt.run(a.deliveryId, a.at, a.status, a.durationMs, a.excerpt);
      update.run(next.state, next.dueAt, next.attempts, a.deliveryId);
    }
  });
  return {
    async listSubscriptions() {
      return (db.prepare('SELECT record FROM webhook_subscriptions ORDER BY created_at, id').all() as { record: string }[]).map((r) => JSON.parse(r.record) as SubscriptionRecord);
    },
    async saveSubscription(record) {
      db.prepare('INSERT INTO webhook_subscriptions (id, record, state, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record, state = excluded.state').run(
        record.id,
        JSON.stringify(record),
        record.state,
        record.createdAt,
      );
    },
    async deleteSubscription(id) {
      db.transaction(() => {
        db.prepare('DELETE FROM webhook_batches WHERE subscription_id = ?').run(id);
        db.prepare('DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ?)').run(id);
        db.prepare('DELETE FROM webhook_deliveries WHERE subscription_id = ?').run(id);
        db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?').run(id);
      })();
    },
    async enqueueDeliveries(deliveries) {
      if (deliveries.length) queue(deliveries);
    },
    async dueDeliveries(now, limit) {
      // Every batch taken up, oldest first, before what is due is chosen (a transaction each: the write lock is
      // never held long).
      // Immediate: it reads before it writes, and a commit by another connection in between would refuse it.
      while (spread.immediate());
      return (due.all(now, limit) as DeliveryRow[]).map(deliveryOf);
    },
    async nextDueAt() {
      if (db.prepare('SELECT 1 FROM webhook_batches LIMIT 1').get()) return 0;
      const row = db
        .prepare("SELECT MIN(d.due_at) AS at FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.state = 'enabled' WHERE d.state = 'pending'")
        .get() as { at: number | null };
      return row.at;
    },
    async recordAttempt(attempt, next) {
      attempts([{ attempt, next }]);
    },
    async recordAttempts(items) {
      attempts(items);
    },
    async listDeliveries(q) {
      const rows = db
        .prepare(`SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND created_at >= ? AND created_at < ? ${q.state ? 'AND state = ?' : ''} ORDER BY seq DESC LIMIT ? OFFSET ?`)
        .all(q.subscriptionId, q.from ?? -8.64e15, q.to ?? 8.64e15, ...(q.state ? [q.state] : []), q.limit, q.offset ?? 0) as DeliveryRow[];
      return withLogs(db, rows);
    },
    async replayDeliveries(q, now) {
      if (q.ids) {
        const replay = db.prepare("UPDATE webhook_deliveries SET state = 'pending', due_at = ?, attempts = 0 WHERE subscription_id = ? AND id = ?");
        return db.transaction(() => q.ids!.reduce((n, id) => n + replay.run(now, q.subscriptionId, id).changes, 0))();
      }
      return db
        .prepare("UPDATE webhook_deliveries SET state = 'pending', due_at = ?, attempts = 0 WHERE subscription_id = ? AND created_at >= ? AND created_at < ?")
        .run(now, q.subscriptionId, q.from ?? -8.64e15, q.to ?? 8.64e15).changes;
    },
    async orderWatermark() {
      const row = db.prepare("SELECT value FROM meta WHERE key = 'webhook_order_watermark'").get() as { value: string } | undefined;
      return row ? Number(row.value) : null;
    },
    async setOrderWatermark(receivedAt) {
      db.prepare("INSERT INTO meta (key, value) VALUES ('webhook_order_watermark', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(receivedAt));
    },
    async deliveryCounts() {
      const rows = db.prepare('SELECT subscription_id, state, COUNT(*) AS n FROM webhook_deliveries GROUP BY subscription_id, state').all() as {
        subscription_id: string;
        state: Delivery['state'];
        n: number;
      }[];
      const queued = db.prepare("SELECT subscription_id, 'pending' AS state, SUM(count) AS n FROM webhook_batches GROUP BY subscription_id").all() as typeof rows;
      const out = new Map<string, Record<Delivery['state'], number>>();
      for (const r of [...rows, ...queued]) {
        const counts = out.get(r.subscription_id) ?? { pending: 0, delivered: 0, failed: 0 };
        counts[r.state] += r.n;
        out.set(r.subscription_id, counts);
      }
      return out;
    },
  };
}

/** The outbox on a connection of its own, for the dispatcher's thread (its writes are attempts and spread batches). */
export function openSqliteWebhooks(file: string): WebhookStore & { close(): void } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  secureDelete(db);
  // A lost commit here is an attempt made again or a batch spread again: at least once, as promised.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('cache_size = -16384');
  return { ...sqliteWebhooks(db), close: () => db.close() };
}
