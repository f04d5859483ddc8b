// Runs k-means off the main thread so a segment refresh never blocks a request.

import { parentPort } from 'node:worker_threads';
import { fitSegments, type FeatureTable, type SegmentOptions } from '../recommender';

parentPort!.on('message', (job: { id: number; table: FeatureTable; options: SegmentOptions }) => {
  try {
    parentPort!.postMessage({ id: job.id, model: fitSegments(job.table, job.options) });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) });
  }
});
