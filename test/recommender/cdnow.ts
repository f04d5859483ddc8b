// CDNOW's transaction log as purchases, for the tests of the CLV models and the backtest: a copy of
// ../shared/datasets/cdnow (MIT, from lifetimes) in test/fixtures, so the tests run on any clone.

import fs from 'node:fs';
import path from 'node:path';
import type { Purchase } from '../../recommender';

export const CDNOW = path.resolve(import.meta.dirname, '../fixtures/cdnow');

/** CDNOW_sample.txt: `master_id sample_id YYYYMMDD cds dollars`; customers are numbered by sample_id. */
export function cdnowPurchases(): Purchase[] {
  return fs
    .readFileSync(path.join(CDNOW, 'CDNOW_sample.txt'), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line) => {
      const [, sampleId, date, , dollars] = line.trim().split(/\s+/);
      return { customerId: String(Number(sampleId)), at: Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))), amount: Number(dollars) };
    });
}
