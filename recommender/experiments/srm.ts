// Sample ratio mismatch: visitors split otherwise than the weights say point at a broken assignment or exposure
// (a variant that fails to render, bots in one arm), which no effect estimate survives. A chi-square test of the
// counts against the weights, flagged below p = 0.001 (GrowthBook's default).

import { chiSquareSurvival } from './distributions';

export const SRM_THRESHOLD = 0.001;

export interface SampleRatio {
  chiSquare: number;
  pValue: number;
  /** The counts expected from the weights. */
  expected: number[];
  mismatch: boolean;
}

export function sampleRatio(counts: readonly number[], weights: readonly number[], threshold = SRM_THRESHOLD): SampleRatio {
  const total = counts.reduce((a, b) => a + b, 0);
  const weight = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / weight);
  let chiSquare = 0;
  for (let v = 0; v < counts.length; v++) if (expected[v] > 0) chiSquare += (counts[v] - expected[v]) ** 2 / expected[v];
  const pValue = total > 0 && counts.length > 1 ? chiSquareSurvival(chiSquare, counts.length - 1) : 1;
  return { chiSquare, pValue, expected, mismatch: pValue < threshold };
}
