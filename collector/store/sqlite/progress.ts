// The SQLite store's record of the value's progression: stage changes, each customer's value when it changed, and
// the base as of every refit. Written by the refit in transactions of a few thousand rows, requests served between.

import type Database from 'better-sqlite3';
import { BUCKET, type ChurnRisk, type Stage } from '../../../recommender';
import type { ProgressPoint, ProgressStore, StoredStageChange, ValueHistoryRow } from '../store';
import { writeInSlices } from './slices';

interface HistoryRow {
  customer_id: string;
  at: number;
  clv: number | null;
  churn_risk: string | null;
  stage: string | null;
}

const historyOf = (r: HistoryRow): ValueHistoryRow => ({ customerId: r.customer_id, at: r.at, clv: r.clv, churnRisk: r.churn_risk as ChurnRisk | null, stage: r.stage as Stage | null });

export function sqliteProgress(db: Database.Database): ProgressStore {
  const addChange = db.prepare('INSERT OR IGNORE INTO stage_changes (customer_id, at, from_stage, to_stage) VALUES (?, ?, ?, ?)');
  const addHistory = db.prepare('INSERT OR REPLACE INTO value_history (customer_id, at, clv, churn_risk, stage) VALUES (?, ?, ?, ?, ?)');
  const addPoint = db.prepare('INSERT OR REPLACE INTO value_progress (at, customers, clv, expected_purchases, by_stage, by_churn_risk) VALUES (?, ?, ?, ?, ?, ?)');
  return {
    addStageChanges(changes) {
      return writeInSlices(db, changes, (c) => addChange.run(c.customerId, c.at, c.from, c.to));
    },
    async listStageChanges(q) {
      const filters: [string, unknown][] = [];
      if (q.customerId !== undefined) filters.push(['customer_id = ?', q.customerId]);
      if (q.stage !== undefined) filters.push(['to_stage = ?', q.stage]);
      if (q.from !== undefined) filters.push(['at >= ?', q.from]);
      if (q.to !== undefined) filters.push(['at < ?', q.to]);
      const where = filters.map(([sql]) => sql);
      const params = filters.map(([, value]) => value);
      const sql = `SELECT customer_id, at, from_stage, to_stage FROM stage_changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, customer_id LIMIT ? OFFSET ?`;
      const rows = db.prepare(sql).all(...params, q.limit, q.offset ?? 0) as { customer_id: string; at: number; from_stage: string | null; to_stage: string }[];
      return rows.map((r): StoredStageChange => ({ customerId: r.customer_id, at: r.at, from: r.from_stage as Stage | null, to: r.to_stage as Stage }));
    },
    async stageFlows(q) {
      const rows = db.prepare('SELECT at, from_stage, to_stage FROM stage_changes WHERE at >= ? AND at < ?').iterate(q.from ?? -8.64e15, q.to ?? 8.64e15) as Iterable<{
        at: number;
        from_stage: string | null;
        to_stage: string;
      }>;
      // Bucketed here, by the same calendar as the event reports (weeks from Monday, months by the UTC calendar).
      const flows = new Map<string, { period: number; from: Stage | null; to: Stage; customers: number }>();
      for (const r of rows) {
        const period = BUCKET[q.bucket](r.at);
        const key = `${period} ${r.from_stage} ${r.to_stage}`;
        const flow = flows.get(key);
        if (flow) flow.customers++;
        else flows.set(key, { period, from: r.from_stage as Stage | null, to: r.to_stage as Stage, customers: 1 });
      }
      return [...flows.values()].sort((a, b) => a.period - b.period || b.customers - a.customers);
    },
    addValueHistory(rows) {
      return writeInSlices(db, rows, (r) => addHistory.run(r.customerId, r.at, r.clv, r.churnRisk, r.stage));
    },
    async valueHistoryOf(customerId) {
      return (db.prepare('SELECT * FROM value_history WHERE customer_id = ? ORDER BY at').all(customerId) as HistoryRow[]).map(historyOf);
    },
    async valuesAsOf(at) {
      const rows = db.prepare('SELECT customer_id, MAX(at) AS at, clv, churn_risk, stage FROM value_history WHERE at <= ? GROUP BY customer_id').all(at) as HistoryRow[];
      return new Map(rows.map((r) => [r.customer_id, historyOf(r)]));
    },
    async addProgress(p) {
      addPoint.run(p.at, p.customers, p.clv, p.expectedPurchases, JSON.stringify(p.byStage), JSON.stringify(p.byChurnRisk));
    },
    async listProgress(q) {
      const rows = db.prepare('SELECT * FROM value_progress WHERE at >= ? AND at <= ? ORDER BY at').all(q.from ?? -8.64e15, q.to ?? 8.64e15) as {
        at: number;
        customers: number;
        clv: number;
        expected_purchases: number;
        by_stage: string;
        by_churn_risk: string;
      }[];
      return rows.map((r): ProgressPoint => ({
        at: r.at,
        customers: r.customers,
        clv: r.clv,
        expectedPurchases: r.expected_purchases,
        byStage: JSON.parse(r.by_stage) as ProgressPoint['byStage'],
        byChurnRisk: JSON.parse(r.by_churn_risk) as ProgressPoint['byChurnRisk'],
      }));
    },
  };
}
