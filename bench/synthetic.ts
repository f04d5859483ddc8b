// Synthetic shop traffic at scale for the benches: 50,000 products, 100,000 shoppers, 1,000,000 interactions
// with Zipf popularity, the same every run.

import { random, type InteractionModel } from '../recommender';

export const ITEMS = 50_000;
export const USERS = 100_000;
export const INTERACTIONS = 1_000_000;

/**
 * The traffic in columns: step s is a view (kind 0), cart add (1) or order (2) by shopper users[s] of products
 * items[starts[s]..starts[s + 1]) at time at[s]. Kept as numbers so the input itself is not a million objects
 * for the garbage collector to trace while the model learns.
 */
export interface Steps {
  kinds: Uint8Array;
  users: Int32Array;
  starts: Int32Array;
  items: Int32Array;
  at: Float64Array;
  length: number;
}

export function syntheticSteps(seed = 1): Steps {
  const rand = random(seed);
  const zipf = () => Math.min(ITEMS - 1, Math.floor(Math.pow(rand(), 2.2) * ITEMS));
  const max = INTERACTIONS;
  const steps: Steps = { kinds: new Uint8Array(max), users: new Int32Array(max), starts: new Int32Array(max + 1), items: new Int32Array(max + 3), at: new Float64Array(max), length: 0 };
  let n = 0;
  let at = Date.UTC(2026, 0, 1);
  let s = 0;
  while (n < INTERACTIONS) {
    steps.users[s] = Math.floor(rand() * USERS);
    const r = rand();
    at += 30_000;
    steps.at[s] = at;
    steps.starts[s] = n;
    const kind = r < 0.7 ? 0 : r < 0.9 ? 1 : 2;
    steps.kinds[s] = kind;
    const count = kind === 2 ? 1 + Math.floor(rand() * 3) : 1;
    for (let i = 0; i < count; i++) steps.items[n++] = zipf();
    s++;
  }
  steps.starts[s] = n;
  steps.length = s;
  return steps;
}

/** Feeds the steps to the model, with ids made fresh for each step as a database scan would hand them over. */
export function play(m: InteractionModel, steps: Steps): void {
  const { kinds, users, starts, items, at } = steps;
  for (let s = 0; s < steps.length; s++) {
    const user = `u${users[s]}`;
    if (kinds[s] === 0) m.view(user, `i${items[starts[s]]}`, at[s]);
    else if (kinds[s] === 1) m.cartAdd(user, `i${items[starts[s]]}`, at[s]);
    else {
      const order: string[] = [];
      for (let i = starts[s]; i < starts[s + 1]; i++) order.push(`i${items[i]}`);
      m.purchase(user, order, at[s]);
    }
  }
}

export function syntheticCatalog() {
  return Array.from({ length: ITEMS }, (_, i) => ({
    id: `i${i}`,
    name: `Product ${i}`,
    url: `/p/${i}`,
    price: 5 + (i % 200),
    currency: 'EUR',
    category: `c${i % 40}`,
    in_stock: i % 50 !== 0,
    attributes: {},
  }));
}
