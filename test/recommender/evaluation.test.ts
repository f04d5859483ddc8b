import { describe, expect, it } from 'vitest';
import { rankingMetrics, stratifiedSplit, type Rating } from '../../recommender';

const r = (user: string, item: string): Rating => ({ user, item, weight: 1, timestamp: 0 });

describe('rankingMetrics', () => {
  it('computes MAP, nDCG, precision and recall at k by hand', () => {
    // u1's test items: a, b. Recommended: a, x, b (k = 3): hits at ranks 1 and 3.
    // u2's test items: c. Recommended: y, z, w: no hit.
    const test = [r('u1', 'a'), r('u1', 'b'), r('u2', 'c')];
    const recs = new Map([
      ['u1', ['a', 'x', 'b']],
      ['u2', ['y', 'z', 'w']],
    ]);
    const m = rankingMetrics(recs, test, 3);
    // u1: AP = (1/1 + 2/3) / 2 = 5/6; nDCG = (1 + 1/log2(4)) / (1 + 1/log2(3)); P = 2/3; R = 1
    const ndcgU1 = (1 + 1 / 2) / (1 + 1 / Math.log2(3));
    expect(m.map).toBeCloseTo(5 / 6 / 2);
    expect(m.ndcg).toBeCloseTo(ndcgU1 / 2);
    expect(m.precision).toBeCloseTo(2 / 3 / 2);
    expect(m.recall).toBeCloseTo(1 / 2);
    expect(m.users).toBe(2);
  });

  it('gives perfect scores to a perfect list', () => {
    const test = [r('u', 'a'), r('u', 'b')];
    expect(rankingMetrics(new Map([['u', ['a', 'b']]]), test, 10)).toEqual({ map: 1, ndcg: 1, precision: 0.2, recall: 1, users: 1 });
  });
});

describe('stratifiedSplit', () => {
  it('splits each user 75/25, the same way for the same seed', () => {
    const data = Array.from({ length: 40 }, (_, i) => r(`u${i % 4}`, `i${i}`));
    const a = stratifiedSplit(data, 0.75, 42);
    const b = stratifiedSplit(data, 0.75, 42);
    expect(a).toEqual(b);
    for (let u = 0; u < 4; u++) {
      expect(a.train.filter((x) => x.user === `u${u}`)).toHaveLength(8);
      expect(a.test.filter((x) => x.user === `u${u}`)).toHaveLength(2);
    }
    expect(stratifiedSplit(data, 0.75, 7).test).not.toEqual(a.test);
  });
});
