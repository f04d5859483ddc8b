// The refit's work itself (segments, then customer value), run in the worker thread, or on the main thread when
// the worker is not built. The features come as one flat array, and each customer's segment goes back as one.

import {
  backtest,
  buyersOf,
  fitSegments,
  tableOf,
  valueCustomers,
  type Backtest,
  type BacktestOptions,
  type BuyerHistory,
  type FeatureMatrix,
  type PurchaseDayTable,
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
  /** The buyers' purchase days, by position among `buyers`. */
  days: PurchaseDayTable;
  now: number;
  /** Stage changes are told from this day on (the last refit's). */
  changesSince?: number;
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
  const { customer, day, amount } = job.days;
  const purchases = Array.from(customer, (c, i) => ({ customerId: job.buyers[c]?.id ?? '', at: day[i] * DAY_MS, amount: amount[i] })).filter((p) => p.customerId !== '');
  const value = valueCustomers(job.buyers, job.valueOptions, { purchases, end: job.now, changesSince: job.changesSince });
  return { model, assignments: Int32Array.from(assignments), value };
}

const DAY_MS = 86_400_000;

/** A backtest of stored orders: each order's customer (an index), time and revenue, as arrays moved to the worker. */
export interface BacktestJob {
  kind: 'backtest';
  id: number;
  customer: Int32Array<ArrayBuffer>;
  at: Float64Array<ArrayBuffer>;
  amount: Float64Array<ArrayBuffer>;
  options: BacktestOptions;
}

/** Every customer valued as of a past day from stored orders (each order's customer, time, revenue). */
export interface ValueJob {
  kind: 'value';
  id: number;
  customer: Int32Array<ArrayBuffer>;
  at: Float64Array<ArrayBuffer>;
  amount: Float64Array<ArrayBuffer>;
  /** The end of the day the customers are valued as of. */
  end: number;
  options: ValueOptions;
}

export function valueAsOf(job: Omit<ValueJob, 'id' | 'kind'>): ValueModel {
  const purchases = Array.from(job.customer, (c, i) => ({ customerId: String(c), at: job.at[i], amount: job.amount[i] })).filter((p) => p.at <= job.end);
  return valueCustomers(buyersOf(purchases, job.end), job.options, { purchases, end: job.end });
}

export function backtestOf(job: Omit<BacktestJob, 'id' | 'kind'>): Backtest {
  const purchases = Array.from(job.customer, (c, i) => ({ customerId: String(c), at: job.at[i], amount: job.amount[i] }));
  return backtest(purchases, job.options);
}
