// Offline evaluation with the protocol of Microsoft Recommenders' published benchmarks: a per-user
// stratified split with a fixed seed, top-k lists with seen items removed, and their ranking metrics
// (python_evaluation.py: precision_at_k, recall_at_k, ndcg_at_k with binary relevance, map_at_k dividing by
// the number of relevant items).

import { random } from './random';

export interface Rating {
  user: string;
  item: string;
  weight: number;
  timestamp: number;
}

/** For each user, a seeded shuffle of their interactions, the first `ratio` of them for training. */
export function stratifiedSplit(data: readonly Rating[], ratio = 0.75, seed = 42): { train: Rating[]; test: Rating[] } {
  const byUser = new Map<string, Rating[]>();
  for (const r of data) {
    const own = byUser.get(r.user);
    if (own) own.push(r);
    else byUser.set(r.user, [r]);
  }
  const rand = random(seed);
  const train: Rating[] = [];
  const test: Rating[] = [];
  for (const rows of byUser.values()) {
    const shuffled = [...rows];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    const cut = Math.round(shuffled.length * ratio);
    train.push(...shuffled.slice(0, cut));
    test.push(...shuffled.slice(cut));
  }
  return { train, test };
}

export interface Metrics {
  map: number;
  ndcg: number;
  precision: number;
  recall: number;
  users: number;
}

/** Ranking metrics at k over the users who have test items. */
export function rankingMetrics(recommended: ReadonlyMap<string, readonly string[]>, test: readonly Rating[], k = 10): Metrics {
  const relevant = new Map<string, Set<string>>();
  for (const r of test) relevant.set(r.user, (relevant.get(r.user) ?? new Set()).add(r.item));
  let map = 0;
  let ndcg = 0;
  let precision = 0;
  let recall = 0;
  for (const [user, truth] of relevant) {
    const top = (recommended.get(user) ?? []).slice(0, k);
    let hits = 0;
    let sumPrecision = 0;
    let dcg = 0;
    top.forEach((item, i) => {
      if (!truth.has(item)) return;
      hits++;
      sumPrecision += hits / (i + 1);
      dcg += 1 / Math.log2(i + 2);
    });
    let idcg = 0;
    for (let i = 0; i < Math.min(truth.size, k); i++) idcg += 1 / Math.log2(i + 2);
    map += sumPrecision / truth.size;
    ndcg += dcg / idcg;
    precision += hits / k;
    recall += hits / truth.size;
  }
  const n = relevant.size || 1;
  return { map: map / n, ndcg: ndcg / n, precision: precision / n, recall: recall / n, users: relevant.size };
}
