// `npm run eval -- --interactions FILE.csv` (columns user,item[,weight][,timestamp]; commas or tabs, header
// optional) or `npm run eval -- --simulate`: Patron's for-you strategy (SAR) against a popularity baseline,
// with Microsoft Recommenders' protocol: per-user stratified 75/25 split (seed 42), top 10, seen items removed.

import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { InteractionModel, rankingMetrics, stratifiedSplit, type Metrics, type Rating, type Similarity } from '../recommender';
import { simulatedEvents } from '../examples/simulate';

export function parseInteractions(text: string): Rating[] {
  const rows: Rating[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const cells = line.split(line.includes('\t') ? '\t' : ',').map((c) => c.trim());
    if (i === 0 && /^(user|userid|user_id)$/i.test(cells[0])) return; // a header
    if (cells.length < 2) throw new Error(`line ${i + 1}: needs at least user,item`);
    const weight = cells[2] === undefined || cells[2] === '' ? 1 : Number(cells[2]);
    const timestamp = cells[3] === undefined || cells[3] === '' ? 0 : Number(cells[3]);
    if (!Number.isFinite(weight) || !Number.isFinite(timestamp)) throw new Error(`line ${i + 1}: weight and timestamp must be numbers`);
    rows.push({ user: cells[0], item: cells[1], weight, timestamp });
  });
  return rows;
}

/** The simulator's shoppers as interactions: views, cart adds and purchases weighted 1, 3 and 5, summed per product. */
export function simulatedInteractions(shoppers: number, seed = 1): Rating[] {
  const weights: Record<string, number> = { 'Product Viewed': 1, 'Product Added': 3 };
  const pairs = new Map<string, Rating>();
  const add = (user: string, item: string, weight: number, timestamp: number) => {
    const key = `${user}\u0000${item}`;
    const r = pairs.get(key);
    if (r) {
      r.weight += weight;
      r.timestamp = Math.max(r.timestamp, timestamp);
    } else pairs.set(key, { user, item, weight, timestamp });
  };
  for (const e of simulatedEvents({ shoppers, days: 180, seed, now: Date.UTC(2026, 10, 1) })) {
    const at = Date.parse(e.timestamp) / 1000;
    const user = e.anonymousId!;
    if (e.type !== 'track') continue;
    if (e.event === 'Order Completed') for (const p of e.properties?.products ?? []) add(user, p.product_id!, 5, at);
    else if (weights[e.event!] && e.properties?.product_id) add(user, e.properties.product_id, weights[e.event!], at);
  }
  return [...pairs.values()];
}

export interface EvalResult {
  forYou: Metrics;
  popular: Metrics;
  users: number;
  items: number;
  train: number;
  test: number;
  fitMs: number;
  recommendMs: number;
}

export function evaluate(data: Rating[], options: { k?: number; seed?: number; halfLifeDays?: number; similarity?: Similarity } = {}): EvalResult {
  const k = options.k ?? 10;
  const { train, test } = stratifiedSplit(data, 0.75, options.seed ?? 42);
  // Timestamps in seconds (MovieLens) are turned into milliseconds, as the model counts days.
  const scale = Math.max(...data.map((r) => r.timestamp)) < 1e11 ? 1000 : 1;
  const started = performance.now();
  const model = new InteractionModel({ halfLifeDays: options.halfLifeDays ?? 30 });
  for (const r of train) model.rate(r.user, r.item, r.weight, r.timestamp * scale);
  const fitMs = performance.now() - started;

  const seen = new Map<string, Set<string>>();
  for (const r of train) seen.set(r.user, (seen.get(r.user) ?? new Set()).add(r.item));
  const counts = new Map<string, number>();
  for (const r of train) counts.set(r.item, (counts.get(r.item) ?? 0) + 1);
  const byPopularity = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([item]) => item);

  const users = [...new Set(test.map((r) => r.user))];
  const t = performance.now();
  const forYou = new Map(users.map((u) => [u, model.forYou(u, { limit: k, measure: options.similarity ?? 'jaccard' }).map((r) => r.id)]));
  const recommendMs = performance.now() - t;
  const popular = new Map(users.map((u) => [u, byPopularity.filter((item) => !seen.get(u)?.has(item)).slice(0, k)]));
  return {
    forYou: rankingMetrics(forYou, test, k),
    popular: rankingMetrics(popular, test, k),
    users: new Set(data.map((r) => r.user)).size,
    items: new Set(data.map((r) => r.item)).size,
    train: train.length,
    test: test.length,
    fitMs,
    recommendMs,
  };
}

function main() {
  const { values } = parseArgs({
    options: {
      interactions: { type: 'string' },
      simulate: { type: 'boolean' },
      shoppers: { type: 'string', default: '2000' },
      k: { type: 'string', default: '10' },
      seed: { type: 'string', default: '42' },
      'half-life': { type: 'string', default: '30' },
      similarity: { type: 'string', default: 'jaccard' },
    },
  });
  if (!values.interactions && !values.simulate) throw new Error('usage: npm run eval -- --interactions FILE.csv | --simulate [--shoppers N]');
  const data = values.interactions ? parseInteractions(fs.readFileSync(values.interactions, 'utf8')) : simulatedInteractions(Number(values.shoppers));
  const r = evaluate(data, { k: Number(values.k), seed: Number(values.seed), halfLifeDays: Number(values['half-life']), similarity: values.similarity as Similarity });
  const k = values.k;
  console.log(`${values.interactions ?? `simulated shoppers (${values.shoppers})`}: ${r.users} users, ${r.items} items, ${r.train} training and ${r.test} test interactions`);
  console.log(`split 75/25 per user (seed ${values.seed}), top ${k}, seen items removed; fit ${r.fitMs.toFixed(0)} ms, for-you for every user ${r.recommendMs.toFixed(0)} ms\n`);
  console.log(`  ${'strategy'.padEnd(22)} ${'MAP'.padStart(7)} ${`nDCG@${k}`.padStart(8)} ${`P@${k}`.padStart(7)} ${`R@${k}`.padStart(7)}`);
  for (const [name, m] of [
    [`for-you (SAR, ${values.similarity})`, r.forYou],
    ['popular (baseline)', r.popular],
  ] as const) {
    console.log(`  ${name.padEnd(22)} ${m.map.toFixed(4).padStart(7)} ${m.ndcg.toFixed(4).padStart(8)} ${m.precision.toFixed(4).padStart(7)} ${m.recall.toFixed(4).padStart(7)}`);
  }
  console.log(`\n  SAR's published figures on MovieLens-100k under this protocol: MAP 0.1106, nDCG@10 0.3825, P@10 0.3308, R@10 0.1764`);
}

if (process.argv[1]?.endsWith('eval.ts')) {
  try {
    main();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
