import { describe, expect, it } from 'vitest';
import { SegmentAssignments } from '../../collector/customers/assignments';
import { IdIndex } from '../../recommender';

describe('SegmentAssignments', () => {
  it("holds each placed customer's segment by their index among the people, and walks them for a save", async () => {
    const people = new IdIndex();
    for (const id of ['a', 'b', 'c', 'd']) people.intern(id);
    let pauses = 0;
    const placed = await SegmentAssignments.of(people, Int32Array.from([2, 0, 3]), Int32Array.from([1, 0, 4]), async () => void pauses++);
    expect(placed.size).toBe(3);
    expect([placed.get('a'), placed.get('b'), placed.get('c'), placed.get('d')]).toEqual([0, undefined, 1, 4]);
    // Someone the people's index learnt after the refit, and someone it never heard of.
    people.intern('e');
    expect([placed.get('e'), placed.get('nobody')]).toEqual([undefined, undefined]);
    expect(new Map(placed)).toEqual(
      new Map([
        ['a', 0],
        ['c', 1],
        ['d', 4],
      ]),
    );
    expect(pauses).toBe(0);
  });

  it('places a million customers a slice at a time', async () => {
    const people = new IdIndex();
    const indices = Int32Array.from({ length: 1_000_000 }, (_, i) => people.intern(`v-${i}`));
    let pauses = 0;
    const placed = await SegmentAssignments.of(
      people,
      indices,
      Int32Array.from(indices, (i) => i % 7),
      async () => void pauses++,
    );
    expect(pauses).toBeGreaterThan(10);
    expect([placed.get('v-0'), placed.get('v-999999'), placed.size]).toEqual([0, 999_999 % 7, 1_000_000]);
  });
});
