// The value's progression, written at each refit: the stage changes it found (each on the day it happened), every
// customer whose value moved (a new stage or churn tier, or CLV by 5% or more since their last kept value) and
// the whole base's totals. Keeping only what moved keeps a year of ten-minute refits to the changes there were.

import { CHURN_TIERS, STAGES, type CustomerValue, type StageChange } from '../../recommender';
import type { ProgressPoint, ProgressStore, ValueHistoryRow } from '../store/store';

const DAY_MS = 86_400_000;
/** A CLV kept again once it moved by this share of the last kept one. */
const CLV_STEP = 0.05;

type Kept = Pick<ValueHistoryRow, 'clv' | 'churnRisk' | 'stage'>;

export class ValueProgress {
  private _kept: Map<string, Kept> | null = null;

  constructor(private readonly _store: ProgressStore) {}

  /** Forgets customers (deleted on request): the next value kept for such an id starts afresh. */
  forget(ids: readonly string[]): void {
    for (const id of ids) this._kept?.delete(id);
  }

  /** Writes what a refit at `at` found. */
  async record(at: number, customers: readonly CustomerValue[], changes: readonly StageChange[]): Promise<void> {
    this._kept ??= await this._store.valuesAsOf(Number.MAX_SAFE_INTEGER);
    const kept = this._kept;
    const moved: ValueHistoryRow[] = [];
    for (const c of customers) {
      const last = kept.get(c.id);
      if (last && !movedFrom(last, c)) continue;
      const row = { customerId: c.id, at, clv: c.clv, churnRisk: c.churnRisk, stage: c.stage };
      moved.push(row);
      kept.set(c.id, row);
    }
    await this._store.addStageChanges(changes.map((c) => ({ customerId: c.customerId, at: c.day * DAY_MS, from: c.from, to: c.to })));
    await this._store.addValueHistory(moved);
    await this._store.addProgress(pointOf(at, customers));
  }
}

function movedFrom(last: Kept, c: CustomerValue): boolean {
  if (last.stage !== c.stage || last.churnRisk !== c.churnRisk || (last.clv === null) !== (c.clv === null)) return true;
  return last.clv !== null && c.clv !== null && Math.abs(c.clv - last.clv) >= CLV_STEP * Math.max(Math.abs(last.clv), 1e-9);
}

/** The base's totals: CLV, expected purchases, customers by stage and by churn tier. */
export function pointOf(at: number, customers: readonly CustomerValue[]): ProgressPoint {
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as ProgressPoint['byStage'];
  const byChurnRisk = Object.fromEntries(CHURN_TIERS.map((s) => [s, 0])) as ProgressPoint['byChurnRisk'];
  let clv = 0;
  let expectedPurchases = 0;
  for (const c of customers) {
    clv += c.clv ?? 0;
    expectedPurchases += c.expectedPurchases ?? 0;
    if (c.stage) byStage[c.stage]! += 1;
    if (c.churnRisk) byChurnRisk[c.churnRisk]! += 1;
  }
  return { at, customers: customers.length, clv, expectedPurchases, byStage, byChurnRisk };
}
