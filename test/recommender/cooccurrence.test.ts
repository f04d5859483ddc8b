import { describe, expect, it } from 'vitest';
import { CooccurrenceMatrix, InteractionModel, score } from '../../recommender';

// Orders: {0,1,2}, {0,1}, {0,3}, {1,2}. By hand:
//   occurrences: 0→3, 1→3, 2→2, 3→1
//   co-occurrence: (0,1)=2, (0,2)=1, (0,3)=1, (1,2)=2
function orders(): CooccurrenceMatrix {
  const m = new CooccurrenceMatrix();
  m.addGroup([0, 1, 2]);
  m.addGroup([0, 1]);
  m.addGroup([0, 3]);
  m.addGroup([1, 2, 2]); // a repeated item in one order counts once
  return m;
}

describe('CooccurrenceMatrix', () => {
  it('counts occurrences and pairs once per group', () => {
    const m = orders();
    expect([0, 1, 2, 3].map((i) => m.occurrences(i))).toEqual([3, 3, 2, 1]);
    expect(m.count(0, 1)).toBe(2);
    expect(m.count(1, 0)).toBe(2);
    expect(m.count(0, 2)).toBe(1);
    expect(m.count(1, 2)).toBe(2);
    expect(m.count(2, 3)).toBe(0);
    expect(m.count(2, 2)).toBe(2);
  });

  it('computes SAR similarity measures', () => {
    const m = orders();
    expect(m.similarity(0, 1, 'count')).toBe(2);
    expect(m.similarity(0, 1, 'jaccard')).toBeCloseTo(2 / (3 + 3 - 2));
    expect(m.similarity(0, 1, 'lift')).toBeCloseTo(2 / 9);
    expect(m.similarity(0, 1, 'cosine')).toBeCloseTo(2 / 3);
    expect(m.similarity(0, 3, 'jaccard')).toBeCloseTo(1 / 3);
    expect(m.similarity(0, 3, 'lift')).toBeCloseTo(1 / 3);
    expect(score(0, 3, 3, 'jaccard')).toBe(0);
  });

  it('ranks neighbours best first, measure by measure', () => {
    const m = orders();
    // jaccard from 0: 1→0.5, 3→1/3, 2→1/4
    expect(m.neighbours(0, 'jaccard').map((s) => s.item)).toEqual([1, 3, 2]);
    // lift from 0: 3→1/3, 1→2/9, 2→1/6: lift favours the rare item
    expect(m.neighbours(0, 'lift').map((s) => s.item)).toEqual([3, 1, 2]);
    // count from 0: 1→2, then 2 and 3 tie at 1, smaller index first
    expect(m.neighbours(0, 'count').map((s) => s.item)).toEqual([1, 2, 3]);
    expect(m.neighbours(9, 'count')).toEqual([]);
  });

  it('join adds one item to an existing group incrementally', () => {
    const a = new CooccurrenceMatrix();
    a.addGroup([5, 6, 7]);
    const b = new CooccurrenceMatrix();
    b.addGroup([5]);
    b.join([5], 6);
    b.join([5, 6], 7);
    for (const [x, y] of [
      [5, 6],
      [5, 7],
      [6, 7],
      [5, 5],
    ])
      expect(b.count(x, y)).toBe(a.count(x, y));
  });
});

describe('CooccurrenceMatrix.build', () => {
  it('counts exactly what incremental updates count, and compaction changes nothing', async () => {
    const { random } = await import('../../recommender');
    const rand = random(11);
    const groups = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(rand() * 6) }, () => Math.floor(Math.pow(rand(), 2) * 300)));
    const built = CooccurrenceMatrix.build(groups);
    const incremental = new CooccurrenceMatrix();
    for (const g of groups) incremental.addGroup(g);
    const half = CooccurrenceMatrix.build(groups.slice(0, 1500));
    for (const g of groups.slice(1500)) half.addGroup(g); // rows plus an overlay
    for (let a = 0; a < 300; a += 7) {
      expect(built.occurrences(a)).toBe(incremental.occurrences(a));
      for (let b = 0; b < 300; b += 3) {
        expect(built.count(a, b)).toBe(incremental.count(a, b));
        expect(half.count(a, b)).toBe(incremental.count(a, b));
      }
      expect(built.neighbours(a, 'jaccard')).toEqual(incremental.neighbours(a, 'jaccard'));
      expect(half.neighbours(a, 'lift')).toEqual(incremental.neighbours(a, 'lift'));
    }
    half.compact();
    for (let a = 0; a < 300; a += 5) expect(half.neighbours(a, 'count')).toEqual(built.neighbours(a, 'count'));
  });

  it('counts rows of every length exactly, with ids past 16 bits', async () => {
    const { random } = await import('../../recommender');
    const rand = random(23);
    // Zipf-like ids up to 200,000: a few rows with thousands of partners, most with a handful.
    const groups = Array.from({ length: 4000 }, () => Array.from({ length: 2 + Math.floor(rand() * 12) }, () => Math.floor(Math.pow(rand(), 4) * 200_000)));
    const built = CooccurrenceMatrix.build(groups);
    const expected = new Map<number, Map<number, number>>();
    for (const g of groups) {
      const distinct = [...new Set(g)];
      for (const a of distinct) for (const b of distinct) if (a !== b) expected.set(a, (expected.get(a) ?? new Map()).set(b, (expected.get(a)?.get(b) ?? 0) + 1));
    }
    const lengths = [...expected.values()].map((row) => row.size);
    expect(Math.max(...lengths)).toBeGreaterThan(2000);
    for (const [a, row] of expected) {
      const got: [number, number][] = [];
      built.forEachNeighbour(a, (b, n) => got.push([b, n]));
      // in column order, as the rows are stored
      expect(got).toEqual([...row].sort((x, y) => x[0] - y[0]));
    }
  });
});

describe('compaction in steps', () => {
  it('answers exactly throughout, while new pairs keep arriving', async () => {
    const { random } = await import('../../recommender');
    const rand = random(17);
    const group = () => Array.from({ length: 1 + Math.floor(rand() * 5) }, () => Math.floor(Math.pow(rand(), 2) * 2000));
    const reference = new CooccurrenceMatrix();
    const m = CooccurrenceMatrix.build([]);
    const add = (g: number[]) => {
      reference.addGroup(g);
      m.addGroup(g);
    };
    for (let i = 0; i < 4000; i++) add(group());
    const check = () => {
      for (let a = 0; a < 2000; a += 97) {
        expect(m.neighbours(a, 'count')).toEqual(reference.neighbours(a, 'count'));
        expect(m.count(a, (a * 7) % 2000)).toBe(reference.count(a, (a * 7) % 2000));
      }
    };
    expect(m.startCompaction()).toBe(true);
    expect(m.startCompaction()).toBe(false); // one at a time
    let steps = 0;
    while (!m.compactStep(0)) {
      if (steps++ % 3 === 0) {
        add(group());
        check();
      }
    }
    expect(steps).toBeGreaterThan(5); // it really went in slices
    expect(m.compacting).toBe(false);
    check();
    m.compact(); // folds what arrived during the steps
    expect(m.pending).toBe(0);
    check();
  }, 120_000); // a check after every third of thousands of one-row steps: 6 s on a quiet machine
});

describe('compact storage', () => {
  it('keeps counts past a byte exact, in bulk and through compaction, and ids past 16 bits', () => {
    // 300 groups with items 1 and 2 (a count past 255), 40 with 1 and 3, and one pair of ids past 65,535.
    const groups: number[][] = [];
    for (let g = 0; g < 300; g++) groups.push([1, 2]);
    for (let g = 0; g < 40; g++) groups.push([1, 3]);
    groups.push([70_000, 1]);
    const m = CooccurrenceMatrix.build(groups);
    expect(m.count(1, 2)).toBe(300);
    expect(m.count(2, 1)).toBe(300);
    expect(m.count(1, 3)).toBe(40);
    expect(m.count(1, 70_000)).toBe(1);
    expect(m.neighbours(1, 'count').map((s) => [s.item, s.score])).toEqual([
      [2, 300],
      [3, 40],
      [70_000, 1],
    ]);
    // Increments across the byte's limit, folded in: 250 + 10, and 300 + 5.
    const small = CooccurrenceMatrix.build(Array.from({ length: 250 }, () => [4, 5]));
    for (let i = 0; i < 10; i++) small.addGroup([4, 5]);
    for (let i = 0; i < 5; i++) m.addGroup([1, 2]);
    expect(small.count(4, 5)).toBe(260);
    small.compact();
    m.compact();
    expect(small.count(4, 5)).toBe(260);
    expect(small.similarity(4, 5, 'jaccard')).toBe(1);
    expect(m.count(1, 2)).toBe(305);
    expect(m.count(70_000, 1)).toBe(1);
    expect(m.neighbours(2, 'count')).toEqual([{ item: 1, score: 305 }]);
    // The queries' inner loop reads the exact count too.
    const model = new InteractionModel();
    model.beginBulk();
    for (let i = 0; i < 300; i++) model.purchase(`u${i}`, ['kettle', 'beans'], Date.UTC(2026, 0, 1) + i);
    model.purchase('u0', ['kettle', 'mug'], Date.UTC(2026, 0, 2));
    model.endBulk();
    expect(model.alsoBought('kettle', { limit: 5, measure: 'count' })).toEqual([
      { id: 'beans', score: 300 },
      { id: 'mug', score: 1 },
    ]);
  });
});
