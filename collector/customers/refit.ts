// Refits segments and customer value, in a worker thread so that a refit never blocks a request: on a
// schedule, after enough new events (but not back to back), and when asked.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Backtest, CustomerValue, SegmentOptions, StageChange, ValueModel, ValueOptions } from '../../recommender';
import type { Learner } from '../models/learner';
import type { ProgressStore, SnapshotStore, StoredSegments } from '../store/store';
import type { CustomerInsights } from './insights';
import { SegmentAssignments } from './assignments';
import { ValueProgress } from './progress';
import { backtestOf, refit, valueAsOf, type BacktestJob, type RefitJob, type RefitResult, type ValueJob } from './fit';

/** What a refit found, before it is applied (the insights still hold the previous refit's). */
export interface RefitChanges {
  at: number;
  customers: CustomerValue[];
  stageChanges: StageChange[];
  segments: StoredSegments;
}

export interface RefitOptions {
  segments?: SegmentOptions & {
    /** Refit at most this often (ms); 0 turns scheduled refits off. */
    refreshIntervalMs?: number;
    /** Refit after this many new events... */
    refreshAfterEvents?: number;
    /** ...but not sooner than this after the last refit (ms): a busy shop does not refit back to back. */
    minRefreshIntervalMs?: number;
  };
  /** CLV horizon and discount rate, the expected-purchases horizon, churn-risk thresholds. */
  value?: ValueOptions;
  /** The built worker script that fits segments and CLV off the main thread (made by `npm run build`). */
  worker?: string;
}

const DAY_MS = 86_400_000;

// Built from refit-worker.ts by rollup: Node 20 cannot apply tsx's loader inside a worker thread.
export const DEFAULT_REFIT_WORKER = fileURLToPath(new URL('../../dist/segment-worker.mjs', import.meta.url));

export class Refits {
  private _eventsSince = 0;
  private _lastAt = -Infinity;
  private _running: Promise<void> | null = null;
  private _timer: NodeJS.Timeout | null = null;
  private _worker: Worker | null = null;
  private _jobs = 0;
  private _closed = false;
  private readonly _progress: ValueProgress;
  private readonly _forgotten = new Set<string>();
  private _onChanges: ((changes: RefitChanges) => Promise<unknown>) | null = null;

  constructor(
    private readonly _learner: Learner,
    private readonly _insights: CustomerInsights,
    private readonly _store: SnapshotStore & ProgressStore,
    private readonly _options: RefitOptions,
    private readonly _log: (message: string) => void,
  ) {
    this._progress = new ValueProgress(_store);
  }

  /**
   * Told what each refit changed, before its values are saved: what it queues (webhooks) is written first, so a crash
   * in between leaves the refit to be redone with the same changes.
   */
  onChanges(listener: (changes: RefitChanges) => Promise<unknown>): void {
    this._onChanges = listener;
  }

  /**
   * Customers deleted on request while this process runs: a refit that began before they were forgotten still
   * has them, and leaves them out of what it saves and tells.
   */
  forget(ids: readonly string[]): void {
    for (const id of ids) this._forgotten.add(id);
    this._progress.forget(ids);
  }

  /** Resolves once the refit running now (if any) has saved what it found. */
  async idle(): Promise<void> {
    await this._running?.catch(() => {});
  }

  /** Starts the schedule; `now`: refit at once (the store had no segments or values for the customers it has). */
  start(now: boolean): void {
    const interval = this._options.segments?.refreshIntervalMs ?? 10 * 60_000;
    if (interval > 0) {
      this._timer = setInterval(() => void this.refit(), interval);
      this._timer.unref();
    }
    if (now && this._learner.customers.size > 0) void this.refit();
  }

  /** New events arrived: a refit is due after enough of them, at most once per minimum interval. */
  eventsArrived(count: number): void {
    this._eventsSince += count;
    const seg = this._options.segments;
    if (this._eventsSince >= (seg?.refreshAfterEvents ?? 1000) && performance.now() - this._lastAt >= (seg?.minRefreshIntervalMs ?? 60_000)) void this.refit();
  }

  /** Refits now; concurrent calls share one refit. */
  refit(): Promise<void> {
    if (this._closed) return Promise.resolve();
    this._running ??= this._refit().finally(() => (this._running = null));
    return this._running;
  }

  async close(): Promise<void> {
    this._closed = true;
    if (this._timer) clearInterval(this._timer);
    await this._running?.catch(() => {});
    await this._worker?.terminate();
    this._worker = null;
  }

  private async _refit(): Promise<void> {
    this._eventsSince = 0;
    this._lastAt = performance.now();
    // Every stored event in the customers' figures, when learning runs behind a flood.
    await this._learner.settled();
    const now = Date.now();
    const ledger = this._learner.customers;
    const { indices, ...matrix } = await ledger.matrixInSlices(now);
    if (indices.length === 0 || this._closed) return;
    const { refreshIntervalMs: _i, refreshAfterEvents: _e, minRefreshIntervalMs: _m, ...fitOptions } = this._options.segments ?? {};
    const started = performance.now();
    const previous = this._insights.segments;
    // Stage changes from the last refit's day on, or from the earliest purchase day that orders arriving since (an
    // import, a late batch, an identify) touched; every one of them at the first refit.
    const touched = ledger.takeEarliestChangedDay();
    try {
      const since = this._insights.values.count > 0 ? Math.min(Math.floor(this._insights.values.updatedAt / DAY_MS), touched) : undefined;
      const job = { id: 0, matrix, options: { ...fitOptions, previous: [...previous] }, ...ledger.buyersWithDays(now), now, changesSince: since, valueOptions: this._options.value ?? {} };
      const { model, assignments, value } = await this._fit(job);
      if (this._closed) return;
      const { customers, stageChanges, ...valueModel } = this._withoutForgotten(value);
      const values = { model: valueModel, customers, updatedAt: now };
      const segments = { segments: model.segments, assignments: await SegmentAssignments.of(ledger.people, indices, assignments), updatedAt: now };
      for (const id of this._forgotten) segments.assignments.delete(id);
      await this._onChanges?.({ at: now, customers, stageChanges, segments });
      await this._store.saveValues(values);
      await this._store.saveSegments(segments);
      this._insights.apply(segments, values);
      await this._progress.record(now, customers, stageChanges);
      if (model.segments.map((s) => s.label).join() !== previous.map((s) => s.label).join()) {
        this._log(`segments: ${model.segments.map((s) => `${s.label} (${s.size})`).join(', ')}; fitted on ${indices.length} customers in ${Math.round(performance.now() - started)} ms`);
      }
    } catch (error) {
      // The next refit records the changes this one could not.
      ledger.markChangedFrom(touched);
      if (!this._closed) this._log(`segments: refit failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private _withoutForgotten(value: ValueModel): ValueModel {
    if (this._forgotten.size === 0) return value;
    const kept = (id: string) => !this._forgotten.has(id);
    return { ...value, customers: value.customers.filter((c) => kept(c.id)), stageChanges: value.stageChanges.filter((c) => kept(c.customerId)) };
  }

  /** Fits in the worker thread (on the main thread when the worker is not built: a test without a build). */
  private _fit(job: RefitJob): Promise<RefitResult> {
    return this._inWorker<RefitResult>(
      job,
      // The features and purchase days are moved to the worker, not copied (they are not read here again).
      [job.matrix.values.buffer, job.days.customer.buffer, job.days.day.buffer, job.days.amount.buffer],
      () => refit(job),
      (reply) => (reply.model && reply.assignments && reply.value ? { model: reply.model, assignments: reply.assignments, value: reply.value } : undefined),
    );
  }

  /** A backtest of the purchase models on orders, in the worker thread: a request never waits on its fits. */
  backtest(job: Omit<BacktestJob, 'id' | 'kind'>): Promise<Backtest> {
    const message: BacktestJob = { ...job, kind: 'backtest', id: 0 };
    return this._inWorker<Backtest>(
      message,
      [job.customer.buffer, job.at.buffer, job.amount.buffer],
      () => backtestOf(job),
      (reply) => reply.backtest,
    );
  }

  /** Every customer valued as of a past day from stored orders, in the worker thread; the refit's value options. */
  valueAsOf(job: Omit<ValueJob, 'id' | 'kind' | 'options'>): Promise<ValueModel> {
    const message: ValueJob = { ...job, options: this._options.value ?? {}, kind: 'value', id: 0 };
    return this._inWorker<ValueModel>(
      message,
      [job.customer.buffer, job.at.buffer, job.amount.buffer],
      () => valueAsOf(message),
      (reply) => reply.value,
    );
  }

  private _inWorker<T>(job: { id: number }, transfer: ArrayBuffer[], local: () => T, accept: (reply: Reply) => T | undefined): Promise<T> {
    const script = this._options.worker ?? DEFAULT_REFIT_WORKER;
    if (!this._worker && !fs.existsSync(script)) {
      this._log(`segments: ${script} is not built (npm run build); fitting on the main thread`);
      return Promise.resolve().then(local);
    }
    const worker = (this._worker ??= spawnWorker(script));
    const id = ++this._jobs;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        cleanup();
        const result = accept(reply);
        if (result !== undefined) resolve(result);
        else reject(new Error(reply.error));
      };
      const onError = (error: Error) => {
        cleanup();
        this._worker = null;
        reject(error);
      };
      const onExit = () => onError(new Error('segment worker exited'));
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ ...job, id }, transfer);
    });
  }
}

/** What the worker answers a job. */
type Reply = { id: number; error?: string; backtest?: Backtest } & Partial<RefitResult>;

function spawnWorker(script: string): Worker {
  const worker = new Worker(script);
  worker.unref();
  return worker;
}
