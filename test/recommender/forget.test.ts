// Forgetting a shopper (a deletion on request): what their events added, counted apart in a model of their own,
// is taken from a model of everyone, and the result answers exactly as a model that never saw them, whether the
// model was learnt live or rebuilt in bulk; a compaction afterwards changes nothing.

import { describe, expect, it } from 'vitest';
import { CooccurrenceMatrix, InteractionModel } from '../../recommender';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const DAY = 86_400_000;

type Step = (m: InteractionModel) => void;

// Two shoppers who share products with the one to forget, who also logged in (an alias of an anonymous history).
const kept: Step[] = [
  (m) => m.view('ann', 'a', T0),
  (m) => m.view('ann', 'b', T0 + 5 * MIN),
  (m) => m.purchase('ann', ['a', 'b'], T0 + 10 * MIN),
  (m) => m.view('bob', 'b', T0 + DAY),
  (m) => m.cartAdd('bob', 'c', T0 + DAY + MIN),
  (m) => m.purchase('bob', ['b', 'c'], T0 + DAY + 2 * MIN),
];
const forgotten: Step[] = [
  (m) => m.view('anon-x', 'a', T0 + 2 * DAY),
  (m) => m.view('anon-x', 'z', T0 + 2 * DAY + MIN),
  (m) => m.alias('anon-x', 'user-x'),
  (m) => m.view('user-x', 'c', T0 + 2 * DAY + 2 * MIN),
  (m) => m.purchase('user-x', ['z', 'a', 'c'], T0 + 2 * DAY + 3 * MIN),
  (m) => m.cartAdd('user-x', 'b', T0 + 3 * DAY),
];

function model(steps: readonly Step[], bulk = false): InteractionModel {
  const m = new InteractionModel();
  if (bulk) m.beginBulk();
  for (const step of steps) step(m);
  if (bulk) m.endBulk();
  return m;
}

/** Everything a storefront asks of the model, for the items and shoppers there are. */
function answers(m: InteractionModel) {
  const q = { limit: 10, measure: 'count' as const };
  const items = ['a', 'b', 'c', 'z'];
  return {
    bought: items.map((i) => m.alsoBought(i, q)),
    viewed: items.map((i) => m.alsoViewed(i, q)),
    forAnn: m.forYou('ann', q),
    forBob: m.forYou('bob', q),
    // Scores as shares of the first: the model's clock is the latest event it saw (theirs may stay the latest), and
    // every popularity decays to it alike.
    popular: m.popular({ limit: 10 }).map((r, _, all) => [r.id, Number((r.score / all[0].score).toFixed(9))]),
    trending: m.trending({ limit: 10 }).map((r) => r.id),
    forgotten: [m.history('user-x'), m.history('anon-x'), [...m.cart('user-x')]],
  };
}

describe('forgetting a shopper', () => {
  for (const bulk of [false, true]) {
    it(`answers as if they never came (${bulk ? 'rebuilt in bulk' : 'learnt live'})`, () => {
      const everyone = model([...kept, ...forgotten], bulk);
      const before = answers(everyone);
      expect(before.bought[3].map((r) => r.id)).toEqual(expect.arrayContaining(['a', 'c']));
      everyone.forget(['anon-x', 'user-x'], model(forgotten));
      const without = answers(model(kept, bulk));
      expect(answers(everyone)).toEqual(without);
      // z only they touched: it is recommended nowhere, not even as popular.
      expect(answers(everyone).popular.map(([id]) => id)).not.toContain('z');
      everyone.compact();
      expect(answers(everyone)).toEqual(without);
    });
  }

  it('never takes a count below zero', () => {
    const m = CooccurrenceMatrix.build([[0, 1]]);
    m.subtract(
      CooccurrenceMatrix.build([
        [0, 1],
        [0, 1],
      ]),
      (i) => i,
    );
    expect(m.count(0, 1)).toBe(0);
    expect(m.occurrences(0)).toBe(0);
    m.compact();
    expect(m.neighbours(0, 'count')).toEqual([]);
  });
});
