import { describe, expect, it } from 'vitest';
import { EventLog, IdIndex, random } from '../../recommender';
import { DecayedScores } from '../../recommender/decayed';
import { ScoreBoard } from '../../recommender/scoreboard';

describe('IdIndex', () => {
  it('gives each id one dense index, through many growths, whatever the characters', () => {
    const ids = new IdIndex();
    const all = [...Array.from({ length: 20_000 }, (_, i) => `u${i}`), '', 'é', '商品-1', 'a'.repeat(300), '__proto__', 'constructor'];
    all.forEach((id, i) => expect(ids.intern(id)).toBe(i));
    expect(ids.size).toBe(all.length);
    // Fresh strings, as a request or a database row brings them, find the same index.
    all.forEach((id, i) => expect(ids.get(`${id}`.split('').join(''))).toBe(i));
    all.forEach((id, i) => expect(ids.intern(id)).toBe(i));
    all.forEach((id, i) => expect(ids.id(i)).toBe(id));
    expect(ids.get('u20000')).toBeUndefined();
    expect(ids.size).toBe(all.length);
  });

  it('finds every id while it grows a few ids at a time, old ones and those interned meanwhile', () => {
    const ids = new IdIndex();
    // Past 512 ids the table grows, and its ids move over during the next interns: ask for each id at every step.
    for (let i = 0; i < 3000; i++) {
      expect(ids.intern(`v${i}`)).toBe(i);
      if (i % 97 === 0) for (let j = 0; j <= i; j++) expect(ids.get(`v${j}`)).toBe(j);
      expect(ids.intern(`v${i >> 1}`)).toBe(i >> 1);
    }
    expect(ids.size).toBe(3000);
  });
});

describe('ScoreBoard', () => {
  it('ranks only the best of a long list exactly as a full sort does, leaving blocked items out', () => {
    const rand = random(4);
    const board = new ScoreBoard();
    for (let round = 0; round < 5; round++) {
      board.begin(5000);
      for (let i = 0; i < 100; i += 7) board.block(i);
      for (let n = 0; n < 20_000; n++) board.add(Math.floor(rand() * 5000), Math.floor(rand() * 50) / 10); // many ties
      const all = board.all();
      expect(all.some((s) => s.item % 7 === 0 && s.item < 100)).toBe(false);
      expect(new Set(all.map((s) => s.item)).size).toBe(all.length);
      const { ranked, complete } = board.top(10);
      expect(complete).toBe(false);
      expect(ranked.length).toBeGreaterThanOrEqual(20);
      expect(ranked.slice(0, 20)).toEqual(all.slice(0, 20));
    }
    board.begin(5000);
    board.add(3, 1);
    board.add(3, 2); // a second touch adds up
    expect(board.top(10)).toEqual({ ranked: [{ item: 3, score: 3 }], complete: true });
  });
});

describe('DecayedScores', () => {
  it('keeps scores past its first pages, each halving every half-life, and merges into a slot never used', () => {
    const DAY = 86_400_000;
    const [a, b] = DecayedScores.together([1, 2]);
    for (const i of [0, 4095, 4096, 10_000]) a.add(i, 8, 0);
    b.add(10_000, 8, 0);
    expect(a.value(4096, DAY)).toBeCloseTo(4);
    expect(a.value(10_000, 2 * DAY)).toBeCloseTo(2);
    expect(b.value(10_000, 2 * DAY)).toBeCloseTo(4);
    expect(a.has(5000)).toBe(false);
    expect(a.has(50_000)).toBe(false);
    expect(a.value(50_000, DAY)).toBe(0);
    a.merge(4095, 20_000);
    expect(a.value(20_000, DAY)).toBeCloseTo(4);
    expect(a.size).toBe(20_001);
  });
});

describe('EventLog', () => {
  it('counts every event while its columns grow and their events move over a slice at a time', () => {
    const log = new EventLog();
    const T0 = Date.UTC(2026, 0, 1);
    let revenue = 0;
    for (let i = 0; i < 40_000; i++) {
      log.add(`p${i % 700}`, i % 3 === 0 ? 'Order Completed' : 'Product Viewed', T0 + i * 1000, i % 3 === 0 ? 1 + (i % 5) : null);
      if (i % 3 === 0) revenue += 1 + (i % 5);
      // Right after a growth at 32,768 events none has moved yet, after the next add half of them.
      if (i === 1024 || i === 32_768 || i === 32_769 || i === 39_999) {
        const [all] = log.count({ measures: ['count', 'users', 'revenue'] });
        expect(all).toMatchObject({ count: i + 1, users: Math.min(i + 1, 700), revenue });
      }
    }
  });
});
