// The recommender at scale: a full rebuild from 1,000,000 interactions (50,000 products, 100,000 shoppers,
// Zipf popularity) by bulk load, beside the same events learnt one by one; then one order's incremental
// update and query times. Run by `npm run bench` in its own process (node --expose-gc) for clean heap figures.

import { InteractionModel, random } from '../recommender';

import { INTERACTIONS, ITEMS, USERS, play, syntheticSteps as script, type Steps } from './synthetic';

/** JS heap plus typed arrays' buffers, which V8 keeps outside the heap. */
const heap = () => {
  // Twice: the first full collection can leave typed arrays' buffers to be freed by the next.
  global.gc?.();
  global.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

function measure(bulk: boolean, steps: Steps) {
  const before = heap();
  const started = performance.now();
  const m = new InteractionModel();
  if (bulk) m.beginBulk(INTERACTIONS);
  play(m, steps);
  const cooccurrence = bulk ? m.endBulk() : { shoppersMs: 0, ms: 0, bytes: 0 };
  const ms = performance.now() - started;
  return { m, ms, mb: (heap() - before) / 1e6, cooccurrence };
}

const steps = script();
const bulk = measure(true, steps);
console.log(`full rebuild (bulk load) of 1,000,000 interactions: ${bulk.ms.toFixed(0)} ms, ${bulk.mb.toFixed(0)} MB (heap and typed arrays)`);
console.log(`  of which playing each shopper's events into their entries: ${bulk.cooccurrence.shoppersMs.toFixed(0)} ms`);
console.log(`  and the sort-based co-occurrence count (orders, visits, shoppers' histories): ${bulk.cooccurrence.ms.toFixed(0)} ms, ${(bulk.cooccurrence.bytes / 1e6).toFixed(0)} MB of typed arrays`);
if (process.argv.includes('--compare')) {
  const live = measure(false, steps);
  console.log(`the same, learnt event by event: ${live.ms.toFixed(0)} ms, ${live.mb.toFixed(0)} MB (${(live.ms / bulk.ms).toFixed(1)}x the time)`);
}
const m = bulk.m;
const rand = random(2);
const item = () => `i${Math.min(ITEMS - 1, Math.floor(Math.pow(rand(), 2.2) * ITEMS))}`;
let t = performance.now();
for (let i = 0; i < 2000; i++) m.purchase(`u${Math.floor(rand() * USERS)}`, [item(), item(), item()], Date.UTC(2026, 6, 1) + i);
console.log(`incremental update, one order of 3 products: ${(((performance.now() - t) / 2000) * 1000).toFixed(1)} µs`);
for (const [name, query] of [
  ['also-bought', () => m.alsoBought(item(), { limit: 8 })],
  ['also-viewed', () => m.alsoViewed(item(), { limit: 8 })],
  ['for-you', () => m.forYou(`u${Math.floor(rand() * USERS)}`, { limit: 8 })],
  ['trending', () => m.trending({ limit: 8 })],
] as const) {
  query();
  t = performance.now();
  for (let i = 0; i < 500; i++) query();
  console.log(`${name} query: ${((performance.now() - t) / 500).toFixed(3)} ms`);
}
