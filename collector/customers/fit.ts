// The refit's work itself (segments, then customer value), run in the worker thread, or on the main thread when
// the worker is not built. The features come as one flat array, and each customer's segment goes back as one.

import {
  backtest,
  fitSegments,
  tableOf,
  valueCustomers,
  type Backtest,
  type BacktestOptions,
  type BuyerHistory,
  type FeatureMatrix,
  type SegmentModel,
  type SegmentOptions,
  type ValueModel,
  type ValueOptions,
} from '../../recommender';

export interface RefitJob {
  id: number;
  matrix: Omit<FeatureMatrix, 'indices'>;
  options: SegmentOptions;
  buyers: BuyerHistory[];
  valueOptions: ValueOptions;
}

/** A fitted model whose assignments (by row of the matrix) travel as an array of their own. */
export interface RefitResult {
  model: Omit<SegmentModel, 'assignments'>;
  assignments: Int32Array<ArrayBuffer>;
  value: ValueModel;
}

/** The fit itself, wherever it runs. */
export function refit(job: Omit<RefitJob, 'id'>): RefitResult {
  const { assignments, ...model } = fitSegments(tableOf(job.matrix), job.options);
  return { model, assignments: Int32Array.from(assignments), value: valueCustomers(job.buyers, job.valueOptions) };
}

/** A backtest of stored orders: each order's customer (an index), time and revenue, as arrays moved to the worker. */
export interface BacktestJob {
  kind: 'backtest';
  id: number;
  customer: Int32Array<ArrayBuffer>;
  at: Float64Array<ArrayBuffer>;
  amount: Float64Array<ArrayBuffer>;
  options: BacktestOptions;
}

export function backtestOf(job: Omit<BacktestJob, 'id' | 'kind'>): Backtest {
  const purchases = Array.from(job.customer, (c, i) => ({ customerId: String(c), at: job.at[i], amount: job.amount[i] }));
  return backtest(purchases, job.options);
}
