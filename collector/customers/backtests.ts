// Backtests of the purchase models on the stored orders (GET /v1/backtest): each order's person, time and
// revenue read off the event log, an anonymous id counted as the user it was tied to, and the fits run in the
// refit worker, so a request never holds the collector up while models are fitted.

import { canonicalPeople, type Backtest, type PurchaseModel } from '../../recommender';
import { parseDay } from '../domain/timestamp';
import { HttpError } from '../http/errors';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Refits } from './refit';

const DAY_MS = 86_400_000;
// Pareto/NBD can take a minute on a few thousand customers: asked for by name.
export const DEFAULT_BACKTEST_MODELS: PurchaseModel[] = ['naive', 'bgnbd', 'activity'];

export interface BacktestQuery {
  calibrationEnd: string;
  holdoutEnd?: string;
  models?: PurchaseModel[];
}

/** Every stored order: its person (an index of the event log's, anonymous ids as their users), time and revenue. */
export async function storedOrders(learner: Learner, identities: Identities): Promise<{ customer: Int32Array<ArrayBuffer>; at: Float64Array<ArrayBuffer>; amount: Float64Array<ArrayBuffer> }> {
  await learner.settled();
  const log = learner.events;
  const canonical = canonicalPeople(log, (id) => identities.userOf(id));
  const customer: number[] = [];
  const at: number[] = [];
  const amount: number[] = [];
  log.each(
    'Order Completed',
    (person, time, revenue) => {
      customer.push(person);
      at.push(time);
      amount.push(revenue);
    },
    canonical,
  );
  return { customer: Int32Array.from(customer), at: Float64Array.from(at), amount: Float64Array.from(amount) };
}

export async function backtestStored(learner: Learner, identities: Identities, refits: Refits, q: BacktestQuery): Promise<Backtest> {
  const { customer, at, amount } = await storedOrders(learner, identities);
  const calibrationEnd = parseDay(q.calibrationEnd);
  const last = at.reduce((m, t) => Math.max(m, t), -Infinity);
  const holdoutEnd = q.holdoutEnd ? parseDay(q.holdoutEnd) : Math.floor(last / DAY_MS) * DAY_MS;
  if (!(holdoutEnd > calibrationEnd)) {
    const path = q.holdoutEnd ? 'holdoutEnd' : 'calibrationEnd';
    throw new HttpError(400, 'invalid_request', 'The holdout must end after the calibration end (by default it ends on the last order day)', [{ path, message: 'leaves no holdout' }]);
  }
  return refits.backtest({
    customer,
    at,
    amount,
    options: { calibrationEnd, holdoutEnd, models: q.models ?? DEFAULT_BACKTEST_MODELS },
  });
}
