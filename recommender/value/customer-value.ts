// Every buyer valued at once: BG/NBD and Gamma-Gamma fitted on the whole base, then per customer P(alive),
// expected purchases, expected spend, discounted CLV, a churn-risk tier (from the chance of a purchase within the
// shop's usual gap between purchases) and the RFM scores and group.

import {
  ConvergenceError,
  conditionalExpectedPurchases,
  customerLifetimeValue,
  expectedAverageSpend,
  fitBgNbd,
  fitGammaGamma,
  probabilityAlive,
  probabilityNoPurchase,
  type BgNbdParams,
  type CustomerHistory,
  type GammaGammaParams,
} from './clv';
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
  rfm: RfmScore;
}

export interface ValueModel {
  bgnbd: { params: BgNbdParams; logLikelihood: number } | null;
  gammaGamma: { params: GammaGammaParams; logLikelihood: number } | null;
  /** Why a model is missing, if one is. */
  errors: string[];
  customers: CustomerValue[];
  options: Required<ValueOptions>;
}

export function churnRisk(pAlive: number, t = DEFAULT_CHURN_THRESHOLDS): ChurnRisk {
  if (pAlive >= t.active) return 'active';
  if (pAlive >= t.cooling) return 'cooling';
  if (pAlive >= t.atRisk) return 'at-risk';
  return 'lost';
}

export function valueCustomers(buyers: readonly BuyerHistory[], options: ValueOptions = {}): ValueModel {
  const o: Required<ValueOptions> = {
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
  const bg = buyers.length > 0 ? attempt('BG/NBD', 'no P(alive), expected purchases or CLV until it fits', () => fitBgNbd(buyers)) : null;
  // Without Gamma-Gamma (spend too uniform to show differences between customers, or no repeat purchases yet)
  // everyone's expected spend is the population's mean: of repeat purchase days, else of first orders.
  const repeat = buyers.filter((b) => b.frequency > 0);
  const fallbackSpend = repeat.length ? repeat.reduce((s, b) => s + b.monetary, 0) / repeat.length : buyers.reduce((s, b) => s + b.revenue / Math.max(1, b.orders), 0) / Math.max(1, buyers.length);
  const meanSpend = `expected spend is the mean spend per purchase day, ${fallbackSpend.toFixed(2)}, for everyone`;
  let gg = repeat.length ? attempt('Gamma-Gamma', meanSpend, () => fitGammaGamma(buyers)) : null;
  if (gg && gg.params.q <= 1) {
    errors.push(`Gamma-Gamma not used: q = ${gg.params.q.toFixed(3)} <= 1 gives no finite mean spend; ${meanSpend}`);
    gg = null;
  }
  if (buyers.length > 0 && !repeat.length) errors.push(`Gamma-Gamma not used: no customer has a repeat purchase yet; ${meanSpend}`);
  const rfm = scoreRfm(buyers);
  const customers = buyers.map((b, i): CustomerValue => {
    const pAlive = bg ? probabilityAlive(bg.params, b) : null;
    const spend = gg ? expectedAverageSpend(gg.params, b) : fallbackSpend;
    return {
      id: b.id,
      orders: b.orders,
      revenue: b.revenue,
      pAlive,
      expectedPurchases: bg ? conditionalExpectedPurchases(bg.params, o.horizonDays, b) : null,
      expectedSpend: spend,
      clv: bg ? customerLifetimeValue(bg.params, spend, b, { months: o.clvMonths, monthlyDiscountRate: o.monthlyDiscountRate }) : null,
      churnRisk: bg ? churnRisk(1 - probabilityNoPurchase(bg.params, o.churnHorizonDays, b), o.churnThresholds) : null,
      rfm: rfm[i]!,
    };
  });
  return {
    bgnbd: bg && { params: bg.params, logLikelihood: bg.logLikelihood },
    gammaGamma: gg && { params: gg.params, logLikelihood: gg.logLikelihood },
    errors,
    customers,
    options: o,
  };
}
