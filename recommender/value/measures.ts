// The measures a merchant reasons with, per period, from the orders themselves: average purchase value, purchase
// frequency, repeat-purchase rate, retention and churn from one period to the next, the customer lifespan those
// imply, historical CLV, and revenue retention by cohort (the revenue of the customers who first bought in a
// period, in each period after, against their first period's).

export interface Order {
  /** The customer's index (anonymous ids counted as their users). */
  customer: number;
  at: number;
  revenue: number;
}

export interface PeriodMeasures {
  period: number;
  /** Customers who ordered in the period, and those of them whose first order it was. */
  customers: number;
  newCustomers: number;
  orders: number;
  revenue: number;
  /** Revenue per order. */
  averagePurchaseValue: number | null;
  /** Orders per customer who ordered. */
  purchaseFrequency: number | null;
  /** Of the period's customers, the share who had ordered before it. */
  repeatPurchaseRate: number | null;
  /** Of the previous period's customers, the share who ordered again in this one; churn is the rest. */
  retentionRate: number | null;
  churnRate: number | null;
  /** Expected periods a customer stays at this churn rate: 1 / churn. */
  customerLifespan: number | null;
  /** Revenue per customer so far: every order up to the period's end over every customer who had ordered. */
  historicalClv: number | null;
}

export interface CohortRevenue {
  /** The period of the cohort's first orders, and how many periods later this cell is. */
  cohort: number;
  offset: number;
  /** Customers in the cohort, and how many of them ordered in this period. */
  size: number;
  customers: number;
  revenue: number;
  /** This period's revenue against the cohort's first period's. */
  revenueRetention: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** The measures of every period from the first order on (`bucketOf` numbers the periods), of the customers `include` keeps. */
export function merchantMeasures(
  orders: readonly Order[],
  bucketOf: (at: number) => number,
  include: (customer: number) => boolean = () => true,
): { periods: PeriodMeasures[]; cohorts: CohortRevenue[] } {
  const kept = orders.filter((o) => include(o.customer)).sort((a, b) => a.at - b.at);
  const first = new Map<number, number>();
  const byPeriod = new Map<number, { buyers: Set<number>; fresh: number; orders: number; revenue: number }>();
  const cohortCells = new Map<string, { cohort: number; offset: number; buyers: Set<number>; revenue: number }>();
  for (const o of kept) {
    const period = bucketOf(o.at);
    if (!first.has(o.customer)) first.set(o.customer, period);
    const cohort = first.get(o.customer)!;
    let p = byPeriod.get(period);
    if (!p) byPeriod.set(period, (p = { buyers: new Set(), fresh: 0, orders: 0, revenue: 0 }));
    if (!p.buyers.has(o.customer)) {
      p.buyers.add(o.customer);
      if (cohort === period) p.fresh++;
    }
    p.orders++;
    p.revenue += o.revenue;
    const key = `${cohort} ${period}`;
    let cell = cohortCells.get(key);
    if (!cell) cohortCells.set(key, (cell = { cohort, offset: period - cohort, buyers: new Set(), revenue: 0 }));
    cell.buyers.add(o.customer);
    cell.revenue += o.revenue;
  }
  return { periods: periodsOf(byPeriod), cohorts: cohortsOf([...cohortCells.values()]) };
}

function periodsOf(byPeriod: Map<number, { buyers: Set<number>; fresh: number; orders: number; revenue: number }>): PeriodMeasures[] {
  const numbers = [...byPeriod.keys()];
  if (!numbers.length) return [];
  const out: PeriodMeasures[] = [];
  let everyone = 0;
  let revenueSoFar = 0;
  let previous: Set<number> | null = null;
  for (let period = Math.min(...numbers); period <= Math.max(...numbers); period++) {
    const p = byPeriod.get(period) ?? { buyers: new Set<number>(), fresh: 0, orders: 0, revenue: 0 };
    everyone += p.fresh;
    revenueSoFar += p.revenue;
    let retained = 0;
    if (previous) for (const c of previous) if (p.buyers.has(c)) retained++;
    const retention = previous ? ratio(retained, previous.size) : null;
    const churn = retention === null ? null : 1 - retention;
    out.push({
      period,
      customers: p.buyers.size,
      newCustomers: p.fresh,
      orders: p.orders,
      revenue: p.revenue,
      averagePurchaseValue: ratio(p.revenue, p.orders),
      purchaseFrequency: ratio(p.orders, p.buyers.size),
      repeatPurchaseRate: ratio(p.buyers.size - p.fresh, p.buyers.size),
      retentionRate: retention,
      churnRate: churn,
      customerLifespan: churn === null ? null : churn > 0 ? 1 / churn : null,
      historicalClv: ratio(revenueSoFar, everyone),
    });
    previous = p.buyers;
  }
  return out;
}

function cohortsOf(cells: { cohort: number; offset: number; buyers: Set<number>; revenue: number }[]): CohortRevenue[] {
  const firstPeriod = new Map<number, { size: number; revenue: number }>();
  for (const c of cells) if (c.offset === 0) firstPeriod.set(c.cohort, { size: c.buyers.size, revenue: c.revenue });
  return cells
    .map((c) => {
      const start = firstPeriod.get(c.cohort)!;
      return { cohort: c.cohort, offset: c.offset, size: start.size, customers: c.buyers.size, revenue: c.revenue, revenueRetention: start.revenue > 0 ? c.revenue / start.revenue : 0 };
    })
    .sort((a, b) => a.cohort - b.cohort || a.offset - b.offset);
}
