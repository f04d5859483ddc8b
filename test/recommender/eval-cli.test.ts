import { describe, expect, it } from 'vitest';
import { evaluate, parseInteractions, simulatedInteractions } from '../../bench/eval';

describe('npm run eval', () => {
  it('reads CSV with or without a header, and MovieLens tab-separated files', () => {
    expect(parseInteractions('user,item,weight,timestamp\nu1,i1,4,100\nu1,i2,,\n')).toEqual([
      { user: 'u1', item: 'i1', weight: 4, timestamp: 100 },
      { user: 'u1', item: 'i2', weight: 1, timestamp: 0 },
    ]);
    expect(parseInteractions('196\t242\t3\t881250949\n')).toEqual([{ user: '196', item: '242', weight: 3, timestamp: 881250949 }]);
    expect(() => parseInteractions('u1\n')).toThrow(/line 1/);
    expect(() => parseInteractions('u1,i1,lots\n')).toThrow(/line 1: weight/);
  });

  it('finds for-you (SAR) well ahead of popularity on shoppers with tastes', () => {
    const r = evaluate(simulatedInteractions(300, 3));
    expect(r.users).toBe(300);
    expect(r.forYou.map).toBeGreaterThan(r.popular.map * 1.5);
    expect(r.forYou.ndcg).toBeGreaterThan(r.popular.ndcg);
    expect(r.forYou.recall).toBeGreaterThan(r.popular.recall);
  });
});
