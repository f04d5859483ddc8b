// The SQLite store's webhook subscriptions (each record as JSON under its id) and its outbox: deliveries in the
// order they were queued (seq), pending until a 2xx, each attempt logged. On the main connection: a delivery
// attempt is rare next to ingest, and each write is a statement or a slice of a few thousand rows.

import type Database from 'better-sqlite3';
import type { SubscriptionRecord } from '../../domain/webhook';
import type { Delivery, DeliveryAttempt, WebhookStore } from '../store';
import { writeInSlices } from './slices';

// A refit's 100,000 deliveries are queued in ten commits: each one's sync costs more than its rows here.
const ROWS_PER_TRANSACTION = 10_000;

interface DeliveryRow {
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

export function sqliteWebhooks(db: Database.Database): WebhookStore {
  const insert = db.prepare('INSERT OR IGNORE INTO webhook_deliveries (id, subscription_id, customer_id, type, payload, created_at, due_at, attempts, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
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
        db.prepare('DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ?)').run(id);
        db.prepare('DELETE FROM webhook_deliveries WHERE subscription_id = ?').run(id);
        db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?').run(id);
      })();
    },
    enqueueDeliveries(deliveries) {
      return writeInSlices(db, deliveries, (d) => insert.run(d.id, d.subscriptionId, d.customerId, d.type, d.payload, d.createdAt, d.dueAt, d.attempts, d.state), ROWS_PER_TRANSACTION);
    },
    async dueDeliveries(now, limit) {
      return (due.all(now, limit) as DeliveryRow[]).map(deliveryOf);
    },
    async nextDueAt() {
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
      const out = new Map<string, Record<Delivery['state'], number>>();
      for (const r of rows) {
        const counts = out.get(r.subscription_id) ?? { pending: 0, delivered: 0, failed: 0 };
        counts[r.state] = r.n;
        out.set(r.subscription_id, counts);
      }
      return out;
    },
  };
}
