// The SQLite store's snapshots of the last refit: segments with every customer's assignment, and every
// buyer's value with the models they came from (each replaced whole, in slices: sliced-replace.ts).

import type Database from 'better-sqlite3';
import { lifecycleThresholds, type ChurnRisk, type CustomerValue, type RfmGroup, type Stage } from '../../../recommender';
import type { SnapshotStore, StoredSegments, StoredValues } from '../store';
import { replaceInSlices } from './sliced-replace';

interface ValueRow {
  customer_id: string;
  orders: number;
  revenue: number;
  p_alive: number | null;
  expected_purchases: number | null;
  expected_spend: number;
  clv: number | null;
  churn_risk: string | null;
  stage: string | null;
  rfm_r: number;
  rfm_f: number;
  rfm_m: number;
  rfm_group: string;
}

export function sqliteSnapshots(db: Database.Database): SnapshotStore {
  const segmentsOf = (s: StoredSegments) => () => {
    db.prepare('DELETE FROM segments').run();
    const segment = db.prepare('INSERT INTO segments (id, slug, label, size, revenue_share, centroid, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const x of s.segments) segment.run(x.id, x.slug, x.label, x.size, x.revenueShare, JSON.stringify(x.centroid), s.updatedAt);
  };
  const valueModelOf = (v: StoredValues) => () => {
    db.prepare("INSERT INTO meta (key, value) VALUES ('value_model', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(JSON.stringify({ ...v.model, updatedAt: v.updatedAt }));
  };
  // One save at a time: the copy a save writes is the table's own (a second one would write into it too).
  let saving = Promise.resolve();
  const queued = (save: () => Promise<void>) => (saving = saving.then(save, save));

  return {
    saveSegments(s) {
      return queued(() => replaceInSlices(db, 'customer_segments', ['customer_id', 'segment_id', 'updated_at'], s.assignments, ([customer, id]) => [customer, id, s.updatedAt], segmentsOf(s)));
    },
    async loadSegments() {
      const rows = db.prepare('SELECT * FROM segments ORDER BY id').all() as { id: number; slug: string; label: string; size: number; revenue_share: number; centroid: string; updated_at: number }[];
      if (rows.length === 0) return null;
      const assignments = db.prepare('SELECT customer_id, segment_id FROM customer_segments').all() as { customer_id: string; segment_id: number }[];
      return {
        segments: rows.map((r) => ({ id: r.id, slug: r.slug, label: r.label, size: r.size, revenueShare: r.revenue_share, centroid: JSON.parse(r.centroid) as Record<string, number> })),
        assignments: new Map(assignments.map((a) => [a.customer_id, a.segment_id])),
        updatedAt: rows[0].updated_at,
      };
    },
    saveValues(v) {
      const columns = ['customer_id', 'orders', 'revenue', 'p_alive', 'expected_purchases', 'expected_spend', 'clv', 'churn_risk', 'stage', 'rfm_r', 'rfm_f', 'rfm_m', 'rfm_group', 'updated_at'];
      const row = (c: CustomerValue) => [c.id, c.orders, c.revenue, c.pAlive, c.expectedPurchases, c.expectedSpend, c.clv, c.churnRisk, c.stage, c.rfm.r, c.rfm.f, c.rfm.m, c.rfm.group, v.updatedAt];
      return queued(() => replaceInSlices(db, 'customer_values', columns, v.customers, row, valueModelOf(v)));
    },
    async loadValues() {
      const meta = db.prepare("SELECT value FROM meta WHERE key = 'value_model'").get() as { value: string } | undefined;
      if (!meta) return null;
      const { updatedAt, ...saved } = JSON.parse(meta.value) as Partial<StoredValues['model']> & { updatedAt: number };
      // Saved before the model choice and the lifecycle were kept: what a refit without them would have.
      const model = {
        choice: { purchase: 'bgnbd', spend: 'gamma-gamma', reason: 'saved before models were chosen by backtest', backtest: null },
        lifecycle: lifecycleThresholds([]),
        ...saved,
      } as StoredValues['model'];
      const rows = db.prepare('SELECT * FROM customer_values').all() as ValueRow[];
      const customers = rows.map((r): CustomerValue => ({
        id: r.customer_id,
        orders: r.orders,
        revenue: r.revenue,
        pAlive: r.p_alive,
        expectedPurchases: r.expected_purchases,
        expectedSpend: r.expected_spend,
        clv: r.clv,
        churnRisk: r.churn_risk as ChurnRisk | null,
        stage: r.stage as Stage | null,
        rfm: { r: r.rfm_r, f: r.rfm_f, m: r.rfm_m, group: r.rfm_group as RfmGroup },
      }));
      return { model, customers, updatedAt };
    },
  };
}
