// Synthetic shop traffic at scale for the benches: 50,000 products, 100,000 shoppers, 1,000,000 interactions
// with Zipf popularity, the same every run.

import { random, type InteractionModel } from '../recommender';

export const ITEMS = 50_000;
export const USERS = 100_000;
export const INTERACTIONS = 1_000_000;

export type Step = [kind: 0 | 1 | 2, user: string, items: string[], at: number];

export function syntheticSteps(seed = 1): Step[] {
  const rand = random(seed);
  const zipf = () => `i${Math.min(ITEMS - 1, Math.floor(Math.pow(rand(), 2.2) * ITEMS))}`;
  const steps: Step[] = [];
  let n = 0;
  let at = Date.UTC(2026, 0, 1);
  while (n < INTERACTIONS) {
    const user = `u${Math.floor(rand() * USERS)}`;
    const r = rand();
    at += 30_000;
    if (r < 0.7) steps.push([0, user, [zipf()], at]);
    else if (r < 0.9) steps.push([1, user, [zipf()], at]);
    else steps.push([2, user, Array.from({ length: 1 + Math.floor(rand() * 3) }, zipf), at]);
    n += steps[steps.length - 1][2].length;
  }
  return steps;
}

export function play(m: InteractionModel, steps: Step[]): void {
  for (const [kind, user, items, at] of steps) {
    if (kind === 0) m.view(user, items[0], at);
    else if (kind === 1) m.cartAdd(user, items[0], at);
    else m.purchase(user, items, at);
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
