// Lifecycle stages on hand-worked purchase histories, and thresholds from a shop's own gaps between purchases.

import { describe, expect, it } from 'vitest';
import { lifecycleThresholds, purchaseGaps, stageChanges, stageOn } from '../../recommender';

const t = { atRiskAfterDays: 30, lapsedAfterDays: 60, loyalRepeats: 3 };

describe('lifecycle thresholds', () => {
  it("come from the shop's gaps: at risk past the 80th percentile, lapsed past the 95th and at least 1.5 times that", () => {
    const gaps = purchaseGaps([
      [0, 10, 30, 60],
      [5, 45, 95, 155, 225],
      [0, 80, 170],
    ]);
    expect(gaps).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    // 80th percentile of 9 gaps: index 6.4, 70 + 0.4 x 10 = 74; 95th: index 7.6, 86; lapsed max(111, 86).
    expect(lifecycleThresholds(gaps)).toEqual({ atRiskAfterDays: 74, lapsedAfterDays: 111, loyalRepeats: 3 });
    expect(lifecycleThresholds([])).toEqual({ atRiskAfterDays: 90, lapsedAfterDays: 180, loyalRepeats: 3 });
    // At risk set to 20: lapsed is max(30, 86).
    expect(lifecycleThresholds(gaps, { atRiskAfterDays: 20, loyalRepeats: 5 })).toEqual({ atRiskAfterDays: 20, lapsedAfterDays: 86, loyalRepeats: 5 });
  });
});

describe('stages', () => {
  it('reads new, active, loyal, at risk, lapsed and reactivated off the purchase days', () => {
    expect(stageOn([], 10, t)).toBeNull();
    expect(stageOn([0], 10, t)).toBe('new');
    expect(stageOn([0, 10], 15, t)).toBe('active');
    expect(stageOn([0, 10, 20, 30], 30, t)).toBe('loyal');
    expect(stageOn([0], 31, t)).toBe('at-risk');
    expect(stageOn([0], 61, t)).toBe('lapsed');
    expect(stageOn([0, 100], 100, t)).toBe('reactivated');
    // Purchases after the day do not count yet.
    expect(stageOn([0, 100], 50, t)).toBe('at-risk');
    // Loyalty counts the last year's repeat purchases: three a year ago are not enough now.
    expect(stageOn([0, 10, 20, 30, 380], 390, t)).toBe('reactivated');
    // Back, and buying again: the year's repeat purchases (30 to 380) make them loyal.
    expect(stageOn([0, 10, 20, 30, 50, 60, 370, 380], 385, t)).toBe('loyal');
  });

  it('lists every change with its day: at purchases and where the time since the last passes a threshold', () => {
    expect(stageChanges([0, 10], 100, t)).toEqual([
      { stage: 'new', day: 0 },
      { stage: 'active', day: 10 },
      { stage: 'at-risk', day: 41 },
      { stage: 'lapsed', day: 71 },
    ]);
    expect(stageChanges([0, 10, 20, 30, 200], 210, t)).toEqual([
      { stage: 'new', day: 0 },
      { stage: 'active', day: 10 },
      { stage: 'loyal', day: 30 },
      { stage: 'at-risk', day: 61 },
      { stage: 'lapsed', day: 91 },
      { stage: 'reactivated', day: 200 },
    ]);
  });
});
