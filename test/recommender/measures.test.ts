// The merchant's measures per period on a hand-computed shop: three customers over four periods.

import { describe, expect, it } from 'vitest';
import { merchantMeasures } from '../../recommender';

// c1 orders twice in period 0 and once in 1; c2 once in 0; c3 in 1 and in 3. Periods are the times themselves.
const ORDERS = [
  { customer: 1, at: 0, revenue: 10 },
  { customer: 1, at: 0.5, revenue: 20 },
  { customer: 2, at: 0.7, revenue: 40 },
  { customer: 1, at: 1, revenue: 30 },
  { customer: 3, at: 1.5, revenue: 50 },
  { customer: 3, at: 3, revenue: 60 },
];
const bucket = (at: number) => Math.floor(at);

describe('merchant measures', () => {
  it('counts each period: purchase value and frequency, repeat purchases, retention, churn, lifespan and historical CLV', () => {
    const { periods } = merchantMeasures(ORDERS, bucket);
    expect(periods).toEqual([
      {
        period: 0,
        customers: 2,
        newCustomers: 2,
        orders: 3,
        revenue: 70,
        averagePurchaseValue: 70 / 3,
        purchaseFrequency: 1.5,
        repeatPurchaseRate: 0,
        retentionRate: null,
        churnRate: null,
        customerLifespan: null,
        historicalClv: 35,
      },
      // c1 of period 0's two came back: retention 0.5, churn 0.5, a lifespan of two periods; c3 is new.
      {
        period: 1,
        customers: 2,
        newCustomers: 1,
        orders: 2,
        revenue: 80,
        averagePurchaseValue: 40,
        purchaseFrequency: 1,
        repeatPurchaseRate: 0.5,
        retentionRate: 0.5,
        churnRate: 0.5,
        customerLifespan: 2,
        historicalClv: 50,
      },
      // No one ordered: everyone of period 1 churned.
      {
        period: 2,
        customers: 0,
        newCustomers: 0,
        orders: 0,
        revenue: 0,
        averagePurchaseValue: null,
        purchaseFrequency: null,
        repeatPurchaseRate: null,
        retentionRate: 0,
        churnRate: 1,
        customerLifespan: 1,
        historicalClv: 50,
      },
      {
        period: 3,
        customers: 1,
        newCustomers: 0,
        orders: 1,
        revenue: 60,
        averagePurchaseValue: 60,
        purchaseFrequency: 1,
        repeatPurchaseRate: 1,
        retentionRate: null,
        churnRate: null,
        customerLifespan: null,
        historicalClv: 70,
      },
    ]);
  });

  it("retains each cohort's revenue against its first period's", () => {
    expect(merchantMeasures(ORDERS, bucket).cohorts).toEqual([
      { cohort: 0, offset: 0, size: 2, customers: 2, revenue: 70, revenueRetention: 1 },
      { cohort: 0, offset: 1, size: 2, customers: 1, revenue: 30, revenueRetention: 30 / 70 },
      { cohort: 1, offset: 0, size: 1, customers: 1, revenue: 50, revenueRetention: 1 },
      { cohort: 1, offset: 2, size: 1, customers: 1, revenue: 60, revenueRetention: 1.2 },
    ]);
  });

  it('measures the customers a filter keeps (a segment) alone', () => {
    const { periods } = merchantMeasures(ORDERS, bucket, (c) => c !== 2);
    expect(periods[0]).toMatchObject({ customers: 1, orders: 2, revenue: 30, historicalClv: 30 });
    expect(periods[1]).toMatchObject({ retentionRate: 1, churnRate: 0, customerLifespan: null });
  });
});
