// Fits the customer models off the main thread (k-means segments, then BG/NBD, Gamma-Gamma and RFM), so a
// refresh never blocks a request: the features arrive moved rather than copied, and each customer's segment
// goes back the same way. Backtests of the purchase models run here too.

import { parentPort } from 'node:worker_threads';
import { backtestOf, refit, type BacktestJob, type RefitJob } from './fit';

parentPort!.on('message', (job: RefitJob | BacktestJob) => {
  try {
    if ('kind' in job) {
      parentPort!.postMessage({ id: job.id, backtest: backtestOf(job) });
      return;
    }
    const result = refit(job);
    parentPort!.postMessage({ id: job.id, ...result }, [result.assignments.buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
