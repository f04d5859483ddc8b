// Every buyer valued at once: BG/NBD and Gamma-Gamma fitted on the whole base, then per customer P(alive),
// expected purchases, expected spend, discounted CLV, a churn-risk tier (from the chance of a purchase within the
// shop's usual gap between purchases) and the RFM scores and group.

import { fitPredictor, type SpendModel } from './backtest';
import {
  ConvergenceError,
  conditionalExpectedPurchases,
  discountedValue,
  everyPurchaseDay,
  expectedAverageSpend,
  fitBgNbd,
  fitGammaGamma,
  fitGammaGammaAllDays,
  probabilityAlive,
  probabilityNoPurchase,
  rfmKey,
  type BgNbdParams,
  type CustomerHistory,
  type Fit,
  type GammaGammaParams,
  type Purchase,
  summarize,
} from './clv';
import { lifecycleThresholds, purchaseGaps, stageChanges, stageOn, type LifecycleThresholds, type Stage } from './lifecycle';
import { chooseModels, type ChoiceOptions, type ModelChoice } from './model-choice';
import { scoreRfm, type RfmInput, type RfmScore } from './rfm';

/**
 * A buyer for the CLV models (days) and RFM: what valueCustomers takes. CustomerLedger.buyers() makes them;
 * the type lives here, with the one function that reads it, so value/ needs nothing outside itself.
 */
export interface BuyerHistory extends CustomerHistory, RfmInput {}

export const CHURN_TIERS = ['active', 'cooling', 'at-risk', 'lost'] as const;
export type ChurnRisk = (typeof CHURN_TIERS)[number];

export interface ValueOptions {
  /** Expected purchases are reported over this many days. */
  horizonDays?: number;
  /** CLV horizon in months of 30 days, and the monthly discount rate (lifetimes' defaults: 12 and 1%). */
  clvMonths?: number;
  monthlyDiscountRate?: number;
  /**
   * Churn risk is the chance of no purchase within this many days: by default the shop's own rhythm, twice the
   * 80th percentile of its repeat buyers' mean gaps between purchase days (90 days until it has repeat buyers).
   */
  churnHorizonDays?: number;
  /** A chance of a purchase within the churn horizon at or above `active` is active, above `cooling` cooling, above `atRisk` at risk, else lost. */
  churnThresholds?: { active: number; cooling: number; atRisk: number };
  /** Lifecycle thresholds to use instead of the shop's own gaps (lifecycle.ts). */
  lifecycle?: Partial<LifecycleThresholds>;
}

/**
 * Twice the 80th percentile of repeat buyers' mean gaps between purchase days, at least two weeks (90 days without
 * repeat buyers): a customer buying at the shop's usual pace is all but sure to buy within it (1 - e^-2.8 for the
 * median one), one buying at half that pace is at the active tier's edge, and one who stopped is lost.
 */
export function churnHorizonOf(buyers: readonly BuyerHistory[]): number {
  const gaps = buyers
    .filter((b) => b.frequency > 0)
    .map((b) => b.recency / b.frequency)
    .sort((a, b) => a - b);
  if (!gaps.length) return 90;
  return Math.max(14, Math.round(2 * gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.8))]));
}

export const DEFAULT_CHURN_THRESHOLDS = { active: 0.75, cooling: 0.5, atRisk: 0.25 };

export interface CustomerValue {
  id: string;
  orders: number;
  revenue: number;
  /** Null when the models could not be fitted (too little history yet). */
  pAlive: number | null;
  expectedPurchases: number | null;
  /** Gamma-Gamma's expected spend per purchase, or the population mean without it. */
  expectedSpend: number;
  clv: number | null;
  churnRisk: ChurnRisk | null;
  /** The lifecycle stage as of the refit; null without purchase days to read it from. */
  stage: Stage | null;
  rfm: RfmScore;
}

export interface ValueModel {
  bgnbd: { params: BgNbdParams; logLikelihood: number } | null;
  gammaGamma: { params: GammaGammaParams; logLikelihood: number } | null;
  /** Gamma-Gamma over every purchase day, the first included, where the backtest chose it as the spend model. */
  gammaGammaAllDays?: { params: GammaGammaParams; logLikelihood: number } | null;
  /** Why a model is missing, if one is. */
  errors: string[];
  /** The models the values come from and why: a backtest on the shop's own latest weeks. */
  choice: ModelChoice;
  /** When a customer is at risk and lapsed, from the shop's own gaps between purchases. */
  lifecycle: LifecycleThresholds;
  customers: CustomerValue[];
  /** The stage changes since `history.changesSince` (a day), each with its day. */
  stageChanges: StageChange[];
  options: Required<Omit<ValueOptions, 'lifecycle'>>;
}

export interface StageChange {
  customerId: string;
  day: number;
  from: Stage | null;
  to: Stage;
}

export function churnRisk(pAlive: number, t = DEFAULT_CHURN_THRESHOLDS): ChurnRisk {
  if (pAlive >= t.active) return 'active';
  if (pAlive >= t.cooling) return 'cooling';
  if (pAlive >= t.atRisk) return 'at-risk';
  return 'lost';
}

/** The shop's purchases (one per purchase day will do) up to `end`: what a model choice and the activity model learn from. */
export interface PurchaseHistory {
  purchases: readonly Purchase[];
  end: number;
  choice?: ChoiceOptions;
  /** Stage changes are told from this day on (the last refit's); all of them without it. */
  changesSince?: number;
}

export function valueCustomers(buyers: readonly BuyerHistory[], options: ValueOptions = {}, history?: PurchaseHistory): ValueModel {
  const o: ValueModel['options'] = {
    horizonDays: options.horizonDays ?? 90,
    clvMonths: options.clvMonths ?? 12,
    monthlyDiscountRate: options.monthlyDiscountRate ?? 0.01,
    churnHorizonDays: options.churnHorizonDays ?? churnHorizonOf(buyers),
    churnThresholds: options.churnThresholds ?? DEFAULT_CHURN_THRESHOLDS,
  };
  const errors: string[] = [];
  // A model that cannot be fitted is told with what is used instead: a fallback, not a failure.
  const attempt = <T>(model: string, instead: string, fit: () => T): T | null => {
    try {
      return fit();
    } catch (error) {
      if (!(error instanceof ConvergenceError || error instanceof RangeError)) throw error;
      const why = error instanceof ConvergenceError ? `its fit did not converge (${error.details.iterations} iterations)` : error.message.replace(/^\S+ /, 'it ');
      errors.push(`${model} not used: ${why}; ${instead}`);
      return null;
    }
  };
  const choice = history ? chooseModels(history.purchases, history.end, history.choice) : NO_HISTORY;
  const bg = buyers.length > 0 ? attempt('BG/NBD', 'no P(alive), expected purchases or CLV until it fits', () => fitBgNbd(buyers)) : null;
  const activity = choice.purchase === 'activity' && history && bg ? attempt('the activity model', 'BG/NBD instead', () => fitActivity(buyers, history, choice, bg)) : null;
  const spend = spendOf(buyers, choice, errors, attempt);
  const rfm = scoreRfm(buyers);
  const days = history ? daysByCustomer(history.purchases) : new Map<string, number[]>();
  const lifecycle = lifecycleThresholds(purchaseGaps(days.values()), options.lifecycle);
  const today = Math.floor((history?.end ?? 0) / DAY_MS);
  const purchasesOf = purchaseFigures(bg?.params ?? null, activity, o);
  const customers = buyers.map((b, i): CustomerValue => {
    const expectedSpend = spend(b);
    const figures = purchasesOf(b);
    return {
      id: b.id,
      orders: b.orders,
      revenue: b.revenue,
      pAlive: bg ? probabilityAlive(bg.params, b) : null,
      expectedPurchases: figures?.expected ?? null,
      expectedSpend,
      clv: figures ? figures.unitClv * expectedSpend : null,
      churnRisk: figures ? churnRisk(figures.buys, o.churnThresholds) : null,
      stage: days.has(b.id) ? stageOn(days.get(b.id)!, today, lifecycle) : null,
      rfm: rfm[i]!,
    };
  });
  return {
    bgnbd: bg && { params: bg.params, logLikelihood: bg.logLikelihood },
    gammaGamma: spend.gammaGamma && { params: spend.gammaGamma.params, logLikelihood: spend.gammaGamma.logLikelihood },
    gammaGammaAllDays: spend.gammaGammaAllDays,
    errors,
    // What the values were made with: a model the refit could not fit is not what the backtest chose.
    choice: { ...choice, purchase: activity || choice.purchase !== 'activity' ? choice.purchase : 'bgnbd', spend: spend.used },
    lifecycle,
    customers,
    stageChanges: history ? changesOf(days, today, lifecycle, history.changesSince) : [],
    options: o,
  };
}

const DAY_MS = 86_400_000;

/** Every customer who bought up to `end` (its day included), as valueCustomers takes them: one purchase an order. */
export function buyersOf(purchases: readonly Purchase[], end: number): BuyerHistory[] {
  const endDay = Math.floor(end / DAY_MS);
  const orders = new Map<string, { n: number; last: number }>();
  for (const p of purchases) {
    if (Math.floor(p.at / DAY_MS) > endDay) continue;
    const o = orders.get(p.customerId);
    if (o) {
      o.n++;
      o.last = Math.max(o.last, p.at);
    } else orders.set(p.customerId, { n: 1, last: p.at });
  }
  const asOf = (endDay + 1) * DAY_MS;
  return summarize(purchases, { end }).map((c) => {
    const o = orders.get(c.id)!;
    return { ...c, orders: o.n, recencyDays: Math.max(0, (asOf - o.last) / DAY_MS) };
  });
}

/** Each customer's sorted purchase days. */
function daysByCustomer(purchases: readonly Purchase[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of purchases) {
    const day = Math.floor(p.at / DAY_MS);
    const own = out.get(p.customerId);
    if (!own) out.set(p.customerId, [day]);
    else if (own[own.length - 1] !== day) own.push(day);
  }
  for (const own of out.values()) own.sort((a, b) => a - b);
  return out;
}

/** Every customer's stage changes on or after `since` (a day), each with the stage before it. */
function changesOf(days: Map<string, number[]>, today: number, t: LifecycleThresholds, since = -Infinity): StageChange[] {
  const out: StageChange[] = [];
  for (const [customerId, own] of days) {
    const changes = stageChanges(own, today, t);
    changes.forEach((c, i) => {
      if (c.day >= since) out.push({ customerId, day: c.day, from: changes[i - 1]?.stage ?? null, to: c.stage });
    });
  }
  return out;
}

const NO_HISTORY: ModelChoice = { purchase: 'bgnbd', spend: 'gamma-gamma', reason: 'no purchase history given: BG/NBD and Gamma-Gamma, the published models', backtest: null };

interface PurchaseFigures {
  expected: number;
  /** The CLV of a customer whose purchases are worth 1 each: CLV is this times the expected spend. */
  unitClv: number;
  /** The chance of a purchase within the churn horizon. */
  buys: number;
}

/**
 * Each customer's expected purchases, discounted purchases and chance of buying within the churn horizon. BG/NBD's
 * depend on (frequency, recency, T) alone, which many customers share in whole days: computed once a triple (a
 * year's CLV is twelve hypergeometric series). The activity model's rate reads spend too, but how its purchases
 * accrue over time is BG/NBD's for the triple: that part once a triple, the rate for each customer.
 */
function purchaseFigures(bg: BgNbdParams | null, activity: ActivityFigures | null, o: ValueModel['options']): (b: BuyerHistory) => PurchaseFigures | null {
  const clvOptions = { months: o.clvMonths, monthlyDiscountRate: o.monthlyDiscountRate };
  if (activity) {
    // Each triple's accrual to the reporting horizon, over the CLV's discounted months, and to the churn horizon.
    const accruals = new Map<string, { expected: number; unitClv: number; churn: number }>();
    return (b) => {
      const key = rfmKey(b);
      let accrual = accruals.get(key);
      if (!accrual) {
        const upTo = (t: number) => activity.accrual(b, t);
        accruals.set(key, (accrual = { expected: upTo(o.horizonDays), unitClv: discountedValue(upTo, 1, clvOptions), churn: upTo(o.churnHorizonDays) }));
      }
      const own = activity.expected(b);
      // Churn risk: the chance of a purchase within the shop's rhythm, Poisson at the activity model's own rate for the customer.
      return { expected: own * accrual.expected, unitClv: own * accrual.unitClv, buys: 1 - Math.exp(-activity.individual(b) * accrual.churn) };
    };
  }
  if (!bg) return () => null;
  const known = new Map<string, PurchaseFigures>();
  return (b) => {
    const key = rfmKey(b);
    let figures = known.get(key);
    if (!figures) {
      const upTo = (t: number) => conditionalExpectedPurchases(bg, t, b);
      figures = { expected: upTo(o.horizonDays), unitClv: discountedValue(upTo, 1, clvOptions), buys: 1 - probabilityNoPurchase(bg, o.churnHorizonDays, b) };
      known.set(key, figures);
    }
    return figures;
  };
}

type Attempt = <T>(model: string, instead: string, fit: () => T) => T | null;

interface ActivityFigures {
  /** Purchases over the model's window: as valued, and at each customer's own rate (what churn risk reads). */
  expected(b: BuyerHistory): number;
  individual(b: BuyerHistory): number;
  /** The window's purchases made by t, as a multiple: t over the window within it, BG/NBD's curve for the customer beyond. */
  accrual(b: BuyerHistory, t: number): number;
}

/**
 * The activity model on the shop's history (its weights learnt on a sample of the customers), its level anchored
 * to BG/NBD's over its window; beyond the window its
 * purchases follow BG/NBD's curve for the customer, scaled to the activity model's rate, so a CLV over a year keeps
 * the dropout BG/NBD sees.
 */
function fitActivity(buyers: readonly BuyerHistory[], history: PurchaseHistory, choice: ModelChoice, bg: Fit<BgNbdParams>): ActivityFigures {
  const horizon = choice.backtest?.holdoutDays ?? 90;
  const fit = fitPredictor('activity', buyers, { purchases: history.purchases, end: history.end, horizon, bgnbd: () => bg });
  return {
    expected: (b) => fit.expected(b, horizon),
    individual: (b) => fit.individual!(b, horizon),
    accrual: (b, t) => {
      if (t <= horizon) return t / horizon;
      const atHorizon = conditionalExpectedPurchases(bg.params, horizon, b);
      return atHorizon > 1e-12 ? 1 + (conditionalExpectedPurchases(bg.params, t, b) - atHorizon) / atHorizon : t / horizon;
    },
  };
}

type FittedSpend = { params: GammaGammaParams; logLikelihood: number };

/**
 * Expected spend per purchase: each customer's own mean purchase-day value, or Gamma-Gamma's over every purchase
 * day, where the backtest chose them, else Gamma-Gamma's; without Gamma-Gamma, the population's mean, of repeat
 * purchase days, else of first orders.
 */
function spendOf(
  buyers: readonly BuyerHistory[],
  choice: ModelChoice,
  errors: string[],
  attempt: Attempt,
): ((b: BuyerHistory) => number) & { used: SpendModel; gammaGamma: FittedSpend | null; gammaGammaAllDays: FittedSpend | null } {
  const repeat = buyers.filter((b) => b.frequency > 0);
  const fallbackSpend = repeat.length ? repeat.reduce((s, b) => s + b.monetary, 0) / repeat.length : buyers.reduce((s, b) => s + b.revenue / Math.max(1, b.orders), 0) / Math.max(1, buyers.length);
  const meanSpend = `expected spend is the mean spend per purchase day, ${fallbackSpend.toFixed(2)}, for everyone`;
  let gg = repeat.length ? attempt('Gamma-Gamma', meanSpend, () => fitGammaGamma(buyers)) : null;
  if (gg && gg.params.q <= 1) {
    errors.push(`Gamma-Gamma not used: q = ${gg.params.q.toFixed(3)} <= 1 gives no finite mean spend; ${meanSpend}`);
    gg = null;
  }
  if (buyers.length > 0 && !repeat.length) errors.push(`Gamma-Gamma not used: no customer has a repeat purchase yet; ${meanSpend}`);
  const fitted = gg;
  const all = choice.spend === 'gamma-gamma-all' && fitted ? allDaysOf(buyers, fitted.params, errors, attempt) : null;
  // Gamma-Gamma is fitted and shown either way; the backtest may have found another spend model closer. Where the
  // one over every day could not be fitted here, the published one stands in, and the choice says so.
  const used: SpendModel = choice.spend === 'own-mean' ? 'own-mean' : all ? 'gamma-gamma-all' : 'gamma-gamma';
  const spend = (b: BuyerHistory): number => {
    if (used === 'own-mean') return b.revenue / (b.frequency + 1);
    if (all) return expectedAverageSpend(all.params, everyPurchaseDay(b));
    return fitted ? expectedAverageSpend(fitted.params, b) : fallbackSpend;
  };
  const shown = (f: FittedSpend | null) => f && { params: f.params, logLikelihood: f.logLikelihood };
  return Object.assign(spend, { used, gammaGamma: shown(fitted), gammaGammaAllDays: shown(all) });
}

/** Gamma-Gamma over every purchase day, the first included; null, told, where it gives no finite mean. */
function allDaysOf(buyers: readonly BuyerHistory[], repeatFit: GammaGammaParams, errors: string[], attempt: Attempt): FittedSpend | null {
  const instead = 'Gamma-Gamma on repeat purchase days instead';
  const gg = attempt('Gamma-Gamma over every purchase day', instead, () => fitGammaGammaAllDays(buyers, repeatFit));
  if (gg && gg.params.q <= 1) {
    errors.push(`Gamma-Gamma over every purchase day not used: q = ${gg.params.q.toFixed(3)} <= 1 gives no finite mean spend; ${instead}`);
    return null;
  }
  return gg;
}
