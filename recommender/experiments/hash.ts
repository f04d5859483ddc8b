// Deterministic assignment, as GrowthBook's SDKs do it: a visitor's bucket is a hash of the experiment's seed
// and their id, so they keep their variant across page views, visits and restarts without a lookup table, and a
// merchant can check an assignment by hand with any GrowthBook SDK (the same hash, version 2).

/** FNV-1a, 32 bits, over the UTF-16 code units of `text` (as GrowthBook's JavaScript SDK reads a string). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h += (h << 1) + (h << 4) + (h << 7) + (h << 8) + (h << 24);
  }
  return h >>> 0;
}

/** GrowthBook's hash version 2: a number in [0, 1), in steps of 1 / 10,000. */
export function bucketOf(seed: string, id: string): number {
  return (fnv1a32(String(fnv1a32(seed + id))) % 10000) / 10000;
}

/**
 * The variant whose range holds `bucket`: weights split [0, 1) in order (each range starts where the last
 * ended), and `coverage` keeps the first share of each range; -1 for a bucket outside every kept range (a visitor
 * not in the experiment). GrowthBook's getBucketRanges and chooseVariation.
 */
export function variantOf(bucket: number, weights: readonly number[], coverage = 1): number {
  const share = Math.min(1, Math.max(0, coverage));
  let start = 0;
  for (let v = 0; v < weights.length; v++) {
    if (bucket >= start && bucket < start + share * weights[v]) return v;
    start += weights[v];
  }
  return -1;
}
