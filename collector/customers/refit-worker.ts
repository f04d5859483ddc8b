// Fits the customer models off the main thread (k-means segments, then BG/NBD, Gamma-Gamma and RFM), so a
// refresh never blocks a request: the features arrive moved rather than copied, and each customer's segment
// goes back the same way. Backtests of the purchase models, and values as of a past day, run here too.

import { parentPort } from 'node:worker_threads';
import { backtestOf, refit, valueAsOf, type BacktestJob, type RefitJob, type ValueJob } from './fit';

parentPort!.on('message', (job: RefitJob | BacktestJob | ValueJob) => {
  try {
    if ('kind' in job) {
      parentPort!.postMessage(job.kind === 'value' ? { id: job.id, value: valueAsOf(job) } : { id: job.id, backtest: backtestOf(job) });
      return;
    }
    const result = refit(job);
    parentPort!.postMessage({ id: job.id, ...result }, [result.assignments.buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
