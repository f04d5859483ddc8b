// The mathematics of experiments against published values (GrowthBook's hash vectors, tables of the normal and
// chi-square distributions) and cases worked by hand.
import { describe, expect, it } from 'vitest';
import { bucketOf, chiSquareSurvival, fnv1a32, meanEffect, momentsOf, normalCdf, normalQuantile, ratioEffect, sampleRatio, sequentialHalfWidth, variantOf, visitorsNeeded } from '../../recommender';

describe('assignment', () => {
  it("hashes as GrowthBook's SDKs do (its test vectors, hash version 2)", () => {
    // growthbook/packages/sdk-js/test/cases.json: [seed, value, 2, expected]
    const vectors: [string, string, number][] = [
      ['seed', 'a', 0.0505],
      ['seed', 'b', 0.2696],
      ['foo', 'ab', 0.2575],
      ['foo', 'def', 0.2019],
      ['89123klj', '8952klfjas09ujkasdf', 0.124],
      ['90850943850283058242805', '123', 0.7516],
      ['()**(%$##$%#$#', '___)((*":&', 0.0128],
    ];
    for (const [seed, value, expected] of vectors) expect(bucketOf(seed, value)).toBe(expected);
    // Version 1's vectors read the 32-bit hash directly: FNV-1a itself.
    expect([fnv1a32('a') % 1000, fnv1a32('b') % 1000, fnv1a32('ab') % 1000, fnv1a32('123') % 1000]).toEqual([220, 77, 946, 11]);
  });

  it('maps a bucket to the variant whose range holds it, weights and coverage as GrowthBook reads them', () => {
    expect([0, 0.39, 0.4, 0.99].map((b) => variantOf(b, [0.4, 0.6]))).toEqual([0, 0, 1, 1]);
    // Half coverage keeps the first half of each range: [0, 0.25) and [0.5, 0.75).
    expect([0.2, 0.3, 0.6, 0.8].map((b) => variantOf(b, [0.5, 0.5], 0.5))).toEqual([0, -1, 1, -1]);
    expect(variantOf(0.5, [0, 0.5, 0.5])).toBe(2);
  });
});

describe('distributions', () => {
  it('match the tables far into the tails', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 12);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 9);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 13);
    expect(normalCdf(-6) / 9.865876450376946e-10).toBeCloseTo(1, 9);
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 13);
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 13);
    expect(chiSquareSurvival(32, 1) / 1.541725790028002e-8).toBeCloseTo(1, 9); // erfc(4)
    expect(chiSquareSurvival(11.070497693516351, 5)).toBeCloseTo(0.05, 12);
  });
});

describe('the effect on a mean metric', () => {
  const z = 1.959963984540054;

  it('is the difference of means and the relative uplift with its delta-method variance (worked by hand)', () => {
    // Control 1..4: mean 2.5, variance 5/3; treatment 2, 4, 6, 8: mean 5, variance 20/3; four visitors each.
    const e = meanEffect(momentsOf([1, 2, 3, 4]), momentsOf([2, 4, 6, 8]), { cuped: false });
    const se = Math.sqrt(5 / 3 / 4 + 20 / 3 / 4);
    expect(e.absolute.estimate).toBeCloseTo(2.5, 12);
    expect(e.absolute.upper - e.absolute.estimate).toBeCloseTo(z * se, 12);
    // Var(b/a - 1) = Var b / a² + b² Var a / a⁴ = (20/12) / 6.25 + 25 (5/12) / 39.0625 = 0.5333...
    expect(e.relative!.estimate).toBeCloseTo(1, 12);
    expect(e.relative!.upper - 1).toBeCloseTo(z * Math.sqrt(8 / 15), 12);
    expect(e.pValue).toBeCloseTo(2 * normalCdf(-2.5 / se), 12);
    expect(e.cuped).toBeNull();
  });

  it("with CUPED, takes out what each visitor's pre-exposure value predicts", () => {
    // y = x in control, y = x + 1 in treatment, and treatment's x a unit higher: θ = 1, the true effect 1 exactly,
    // while the raw difference (2) carries the arms' pre-exposure difference.
    const control = momentsOf([1, 2, 3, 4], [1, 2, 3, 4]);
    const treatment = momentsOf([3, 4, 5, 6], [2, 3, 4, 5]);
    const raw = meanEffect(control, treatment, { cuped: false });
    const adjusted = meanEffect(control, treatment);
    expect(raw.absolute.estimate).toBeCloseTo(2, 12);
    expect(adjusted.cuped!.theta).toBeCloseTo(1, 12);
    expect(adjusted.absolute.estimate).toBeCloseTo(1, 12);
    expect(adjusted.standardError).toBeCloseTo(0, 12);
    expect(adjusted.cuped!.varianceReduction).toBeCloseTo(1, 12);
    // Adjusted means: each arm moved to the pooled pre-exposure mean, 3.5 - (2.5 - 3) ... 3 and 4.
    expect([adjusted.control.estimate, adjusted.treatment.estimate]).toEqual([expect.closeTo(3, 12), expect.closeTo(4, 12)]);
  });

  it('is not adjusted where the covariate does not vary (no pre-exposure data)', () => {
    expect(meanEffect(momentsOf([1, 2, 3]), momentsOf([2, 3, 4])).cuped).toBeNull();
  });

  it('has an always-valid interval wider than the fixed-horizon one, from the normal-mixture boundary', () => {
    // At n = the tuning (5,000), alpha 0.05, unit variance: ρ² = (-2 ln α + ln(1 - 2 ln α)) / 5000 = 0.0015872,
    // √(2(nρ² + 1) / (n²ρ²) · ln(√(nρ² + 1) / α)) · √n = 3.0352 (worked by hand).
    expect(sequentialHalfWidth(1, 5000)).toBeCloseTo(3.0352, 3);
    const e = meanEffect(momentsOf([1, 2, 3, 4, 5, 6]), momentsOf([2, 3, 4, 5, 6, 9]), { cuped: false });
    expect(e.sequential.absolute.upper - e.sequential.absolute.estimate).toBeGreaterThan(e.absolute.upper - e.absolute.estimate);
  });
});

describe('a ratio metric', () => {
  it("has the delta method's variance over visitors' numerators and denominators (worked by hand)", () => {
    // Revenue [10, 30, 0, 20] over orders [1, 2, 0, 1]: AOV 60 / 4 = 15. Per visitor ȳ = 15, x̄ = 1; Var y = 500/3,
    // Var x = 2/3, Cov = 10. Var(AOV) = (500/3 - 2·15·10 + 225·2/3) / 4 = (166.67 - 300 + 150) / 4 = 50/12.
    const control = momentsOf([10, 30, 0, 20], [1, 2, 0, 1]);
    const r = ratioEffect(control, control);
    expect(r.control!.estimate).toBeCloseTo(15, 12);
    expect(r.control!.upper - 15).toBeCloseTo(1.959963984540054 * Math.sqrt(50 / 12), 10);
    expect(r.absolute!.estimate).toBeCloseTo(0, 12);
    expect(ratioEffect(momentsOf([0, 0], [0, 0]), control).control).toBeNull();
  });
});

describe('sample ratio mismatch', () => {
  it('flags a 48/52 split of 20,000 visitors in a 50/50 experiment, not 50.5/49.5', () => {
    const skewed = sampleRatio([9600, 10400], [0.5, 0.5]);
    expect(skewed.chiSquare).toBeCloseTo(32, 12);
    expect(skewed.pValue / 1.541725790028002e-8).toBeCloseTo(1, 9);
    expect(skewed.mismatch).toBe(true);
    // χ² = 2 · 100² / 10,000 = 2, p = 0.1573.
    const fine = sampleRatio([10_100, 9900], [0.5, 0.5]);
    expect(fine.pValue).toBeCloseTo(0.15729920705028513, 10);
    expect(fine.mismatch).toBe(false);
    expect(sampleRatio([1000, 2000, 1000], [1, 2, 1])).toMatchObject({ chiSquare: 0, pValue: 1, mismatch: false });
  });
});

describe('the sample needed', () => {
  it('is (z₁₋α/₂ + z_power)² · 2σ² / (δμ)² visitors per variant', () => {
    // (1.95996 + 0.84162)² · 2 / 0.1² = 1569.8
    expect(visitorsNeeded({ mean: 1, variance: 1, minimumEffect: 0.1 })).toBe(1570);
    expect(visitorsNeeded({ mean: 0, variance: 1, minimumEffect: 0.1 })).toBeNull();
  });
});
