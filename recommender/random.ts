// The one seeded random number generator of the recommender: segments, the evaluation split, tests and
// benchmarks draw from it so that the same seed gives the same result everywhere.

/** Deterministic PRNG (mulberry32): the same seed gives the same sequence. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
