// What every ranked list in the recommender shares: an item with its score, and the order that puts the best
// first. A file of its own so the matrix and the score board can both use it without importing each other.

export interface Scored {
  item: number;
  score: number;
}

/** Best first; ties broken by the smaller index so results are deterministic. */
export function byScore(x: Scored, y: Scored): number {
  return y.score - x.score || x.item - y.item;
}
