// Fits the customer models off the main thread (k-means segments, then BG/NBD, Gamma-Gamma and RFM), so a
// refresh never blocks a request.

import { parentPort } from 'node:worker_threads';
import { fitSegments, valueCustomers, type BuyerHistory, type FeatureTable, type SegmentOptions, type ValueOptions } from '../../recommender';

export interface RefitJob {
  id: number;
  table: FeatureTable;
  options: SegmentOptions;
  buyers: BuyerHistory[];
  valueOptions: ValueOptions;
}

parentPort!.on('message', (job: RefitJob) => {
  try {
    parentPort!.postMessage({ id: job.id, model: fitSegments(job.table, job.options), value: valueCustomers(job.buyers, job.valueOptions) });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
