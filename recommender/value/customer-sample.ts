// A sample of a shop's customers, drawn by a hash of their id: the same customers at every refit, each with all of
// their purchases. A model choice and the activity regression's training need no more than some tens of
// thousands (a choice on 20,000 differs from the whole base's figures in the third decimal), and a refit of
// 100,000 customers would otherwise spend its seconds there rather than on valuing every customer.

import type { Purchase } from './clv';
import { fnv1a32 } from '../experiments/hash';

/** The purchases of about `max` customers; all of them when there are no more. */
export function customerSample(purchases: readonly Purchase[], max: number): readonly Purchase[] {
  const customers = new Set<string>();
  for (const p of purchases) customers.add(p.customerId);
  if (customers.size <= max) return purchases;
  const cut = (max / customers.size) * 2 ** 32;
  return purchases.filter((p) => fnv1a32(p.customerId) < cut);
}
