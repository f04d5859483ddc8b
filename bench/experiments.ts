// Experiments' two costs (targets: assignment adds at most 50 µs to a recommendation; the analysis of 1,000,000
// exposures answers in under a second), each beside a baseline measured in the same run: a recommendation of the
// same slot without an experiment, and one pass that only reads the same exposures. Run by `npm run bench`.

import { bucketOf, variantOf } from '../recommender';
import type { StoredEvent } from '../collector/domain/stored-event';
import { experimentSchema } from '../collector/domain/experiment';
import { slotConfigSchema } from '../collector/domain/slot-config';
import { startServices } from '../collector/services';
import { openSqliteStore } from '../collector/store/sqlite/sqlite';

const EXPOSURES = 1_000_000;
const REQUESTS = 20_000;
const DAY = 86_400_000;
const now = Date.now();
const start = now - 28 * DAY;

const store = openSqliteStore({ file: ':memory:', journal: false });
const services = await startServices(store);
const { experiments, learner, recommendations, slots, catalog } = services;
await catalog.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `SKU-${i}`, name: `Product ${i}`, price: 10 + (i % 50), category: `c${i % 8}`, in_stock: true, attributes: {} })));
const config = slotConfigSchema.parse({ strategy: 'popular', limit: 8 });
await slots.put('home', config);
await slots.put('home-plain', config);

let seq = 0;
const stored = (anonymousId: string, at: number, event: string, properties: StoredEvent['properties']): StoredEvent => ({
  messageId: `m-${seq++}`,
  type: 'track',
  event,
  anonymousId,
  userId: null,
  sessionId: null,
  timestamp: at,
  receivedAt: at,
  properties,
  context: {},
  traits: null,
});
const order = (visitor: string, at: number, revenue: number) =>
  stored(visitor, at, 'Order Completed', { order_id: `o-${seq}`, revenue, products: [{ product_id: `SKU-${seq % 200}`, price: revenue }] });

const x = await experiments.create(
  experimentSchema.parse({ id: 'bench-home', name: 'Bench', kind: 'slot', slot: 'home', variants: [{ id: 'control', unfilled: true }, { id: 'recs' }], startAt: new Date(start).toISOString() }),
);
await experiments.create(experimentSchema.parse({ id: 'bench-holdout', name: 'Holdout', kind: 'holdout', share: 0.05, startAt: new Date(start).toISOString() }));

// A million visitors exposed over four weeks; one in ten bought before, one in five (a little more in the
// treatment) after.
let loaded = performance.now();
for (let i = 0; i < EXPOSURES; i += 10_000) {
  const page: StoredEvent[] = [];
  for (let j = i; j < i + 10_000; j++) {
    const visitor = `visitor-${j}`;
    const at = start + (j / EXPOSURES) * 27 * DAY;
    const variant = variantOf(bucketOf('bench-home', visitor), [0.5, 0.5]);
    if (j % 10 === 0) page.push(order(visitor, at - DAY, 20 + (j % 70)));
    page.push(stored(visitor, at, 'Experiment Viewed', { experiment_id: 'bench-home', variation_id: variant ? 'recs' : 'control' }));
    if (j % 5 === 0 || (variant === 1 && j % 50 === 1)) page.push(order(visitor, at + 3_600_000, 15 + (j % 90)));
  }
  learner.learn(page);
  await learner.settled();
}
loaded = performance.now() - loaded;
console.log(`  ${x.ledger.size.toLocaleString('en-US')} exposures and their orders learnt in ${(loaded / 1000).toFixed(1)} s`);

/** Microseconds per recommendation for `slot`, over REQUESTS visitors (half of them exposed already). */
function perRequest(slot: string): number {
  const t = performance.now();
  for (let i = 0; i < REQUESTS; i++) recommendations.forRequest({ slot, anonymousId: `visitor-${(i * 7919) % (EXPOSURES * 2)}` });
  return ((performance.now() - t) * 1000) / REQUESTS;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
perRequest('home-plain');
perRequest('home');
const plain: number[] = [];
const tested: number[] = [];
for (let r = 0; r < 7; r++) {
  plain.push(perRequest('home-plain'));
  tested.push(perRequest('home'));
}
const t = performance.now();
for (let i = 0; i < REQUESTS; i++) {
  const visitor = `visitor-${(i * 7919) % (EXPOSURES * 2)}`;
  experiments.holdout(visitor);
  experiments.forSlot('home', visitor);
}
const assignment = ((performance.now() - t) * 1000) / REQUESTS;
console.log(
  `  assignment: ${assignment.toFixed(1)} µs a request (the holdout and the slot's experiment, half the visitors exposed before; target 50 µs); a recommendation ${median(plain).toFixed(1)} µs without an experiment, ${median(tested).toFixed(1)} µs with both (half of them unfilled, the control), median of 7 × ${REQUESTS.toLocaleString('en-US')}`,
);

// The baseline: one pass that reads the exposures and sums their revenue, nothing else.
const reads: number[] = [];
const analyses: number[] = [];
let report: Awaited<ReturnType<typeof services.experimentResults.of>> | undefined;
for (let r = 0; r < 5; r++) {
  let s = performance.now();
  const data = x.ledger.read();
  let sum = 0;
  for (let o = 0; o < data.orderRevenue.length; o++) sum += data.orderRevenue[o];
  reads.push(performance.now() - s + (sum < 0 ? 1 : 0));
  s = performance.now();
  report = await services.experimentResults.of(x);
  analyses.push(performance.now() - s);
}
const r = report!;
console.log(
  `  analysis of ${r.exposures.visitors.toLocaleString('en-US')} exposures (${r.variants.reduce((a, v) => a + v.orders, 0).toLocaleString('en-US')} orders after them, ${r.overTime.length} days): ${median(analyses).toFixed(0)} ms (median of 5; target under 1,000 ms), ${(median(analyses) / median(reads)).toFixed(1)}× one pass reading them (${median(reads).toFixed(0)} ms); revenue per visitor +${((r.effects[0].relative?.estimate ?? 0) * 100).toFixed(1)}%, CUPED variance −${((r.effects[0].cuped?.varianceReduction ?? 0) * 100).toFixed(0)}%, ${r.decision.status}`,
);
await services.stop();
await store.close();
