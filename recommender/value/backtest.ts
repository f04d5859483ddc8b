// A backtest of the purchase models on a shop's own history: every customer summarised as of a calibration end,
// each model fitted on that alone, and its predictions for the holdout that follows compared with what the
// customers did in it: purchases and spend (errors, rank correlation, top-decile capture, totals, and the
// calibration-against-holdout table by number of past purchases) and churn risk (ROC AUC of "no purchase in the
// holdout" beside recency alone).

import { errors, rocAuc, spearman, topShareCapture } from './accuracy';
import {
  conditionalExpectedPurchases,
  everyPurchaseDay,
  expectedAverageSpend,
  fitBgNbd,
  fitGammaGamma,
  fitGammaGammaAllDays,
  probabilityNoPurchase,
  rfmKey,
  summarize,
  type BgNbdParams,
  type CustomerHistory,
  type Fit,
  type GammaGammaParams,
  type Purchase,
} from './clv';
import { activityExpectedPurchases, activityIndividualPurchases, fitActivityRegression } from './activity-regression';
import { fitParetoNbd, paretoConditionalExpectedPurchases, paretoProbabilityAlive } from './pareto-nbd';

/** The activity regression's terms, in the order of its weights (activity-regression.ts's features). */
const ACTIVITY_TERMS = ['intercept', 'logFrequency', 'logAge', 'logDaysSinceLast', 'logMonthlyRate', 'logGapOverUsual', 'oneTimer', 'logRelativeValue'];

const DAY_MS = 86_400_000;

export const PURCHASE_MODELS = ['naive', 'bgnbd', 'pareto-nbd', 'activity'] as const;
export type PurchaseModel = (typeof PURCHASE_MODELS)[number];

/** A fitted purchase model: purchases expected in the next t days, and P(alive) where the model has one. */
export interface Predictor {
  model: PurchaseModel;
  params: Record<string, number> | null;
  logLikelihood: number | null;
  expected(c: CustomerHistory, t: number): number;
  /** Where a model's churn risk reads another rate than its expectation (the activity model's one-time buyers, told apart). */
  individual?(c: CustomerHistory, t: number): number;
  pAlive(c: CustomerHistory): number | null;
}

/**
 * What a model learnt from the recent past needs besides the histories: the purchases, the end, the window; and
 * BG/NBD's fit, which two of the models read (fitted once for a backtest, on first use).
 */
export interface FitContext {
  purchases: readonly Purchase[];
  end: number;
  horizon: number;
  bgnbd?: () => Fit<BgNbdParams>;
}

/** BG/NBD fitted on first call only, errors included. */
function lazyBgNbd(customers: readonly CustomerHistory[]): () => Fit<BgNbdParams> {
  let fit: { value: Fit<BgNbdParams> } | { error: unknown } | undefined;
  return () => {
    if (!fit) {
      try {
        fit = { value: fitBgNbd(customers) };
      } catch (error) {
        fit = { error };
      }
    }
    if ('error' in fit) throw fit.error;
    return fit.value;
  };
}

/** Fits one model on the calibration histories (in days); throws what the fit throws. */
export function fitPredictor(model: PurchaseModel, customers: readonly CustomerHistory[], context: FitContext): Predictor {
  if (model === 'naive') {
    // Each customer's own repeat-purchase rate so far, carried forward: the baseline any model must beat.
    return { model, params: null, logLikelihood: null, expected: (c, t) => (c.T > 0 ? (c.frequency / c.T) * t : 0), pAlive: () => null };
  }
  if (model === 'bgnbd') {
    const fit = (context.bgnbd ?? lazyBgNbd(customers))();
    // Its churn score is the chance of a purchase within the horizon, as the collector's churn tiers use it (P(alive)
    // holds every one-time buyer alive, and ranks churners no better than chance).
    return {
      model,
      params: { ...fit.params },
      logLikelihood: fit.logLikelihood,
      expected: (c, t) => conditionalExpectedPurchases(fit.params, t, c),
      pAlive: (c) => 1 - probabilityNoPurchase(fit.params, context.horizon, c),
    };
  }
  if (model === 'activity') return activityPredictor(customers, context);
  const fit = fitParetoNbd(customers);
  return {
    model,
    params: { ...fit.params },
    logLikelihood: fit.logLikelihood,
    expected: (c, t) => paretoConditionalExpectedPurchases(fit.params, t, c),
    pAlive: (c) => paretoProbabilityAlive(fit.params, c),
  };
}

/**
 * The activity regression, its level anchored to BG/NBD's: the regression ranks customers by what their recent
 * past says, but its windows carry their season (trained on spring, it over-predicted a summer by 30% on UCI
 * Online Retail), while BG/NBD's purchase rate comes from the whole calibration. Scaled so that the two predict
 * the same total over the horizon; unscaled where BG/NBD cannot be fitted.
 */
function activityPredictor(customers: readonly CustomerHistory[], context: FitContext): Predictor & Required<Pick<Predictor, 'individual'>> {
  const fit = fitActivityRegression(context.purchases, context);
  let scale = 1;
  let individualScale = 1;
  try {
    const bg = (context.bgnbd ?? lazyBgNbd(customers))();
    const total = (f: (c: CustomerHistory) => number) => customers.reduce((sum, c) => sum + f(c), 0);
    // BG/NBD's expectation reads (frequency, recency, age) alone: once a triple, which many customers share.
    const byTriple = new Map<string, number>();
    const level = total((c) => {
      const key = rfmKey(c);
      let value = byTriple.get(key);
      if (value === undefined) byTriple.set(key, (value = conditionalExpectedPurchases(bg.params, context.horizon, c)));
      return value;
    });
    // Each rate anchored on its own: pooled or not, the one-time buyers' total may differ a little.
    const own = total((c) => activityExpectedPurchases(fit, c, context.horizon));
    const apart = total((c) => activityIndividualPurchases(fit, c, context.horizon));
    if (own > 0) scale = level / own;
    if (apart > 0) individualScale = level / apart;
  } catch {
    // BG/NBD not fitted: the regression's own level.
  }
  // Whether one-time buyers share one rate, and the rank correlations on the training windows that decided it.
  const oneTimers = {
    oneTimersPooled: Number(fit.oneTimeRate !== null),
    ...(fit.oneTimeRate !== null ? { oneTimeRate: fit.oneTimeRate } : {}),
    rankSpread: fit.oneTimers.spread,
    rankPooled: fit.oneTimers.pooled,
  };
  const params = { ...Object.fromEntries(fit.weights.map((w, i) => [ACTIVITY_TERMS[i], w])), scale, ...oneTimers };
  const expected = (c: CustomerHistory, t: number) => scale * activityExpectedPurchases(fit, c, t);
  const individual = (c: CustomerHistory, t: number) => individualScale * activityIndividualPurchases(fit, c, t);
  // P(active): at least one purchase in the horizon, as the scaled Poisson rate has it, every customer told apart.
  return { model: 'activity', params, logLikelihood: null, expected, individual, pAlive: (c) => 1 - Math.exp(-individual(c, fit.horizon)) };
}

export interface BacktestOptions {
  calibrationEnd: number;
  holdoutEnd: number;
  models?: readonly PurchaseModel[];
}

export interface ModelScore {
  model: PurchaseModel;
  params: Record<string, number> | null;
  logLikelihood: number | null;
  /** Why the model could not be fitted, when it could not. */
  error?: string;
  purchases: { mae: number; rmse: number; spearman: number; predicted: number; actual: number };
  /** Predicted spend (purchases x spend per purchase) against actual, with the default spend model... */
  spend: { mae: number; rmse: number; spearman: number; topDecileCapture: number; predicted: number; actual: number };
  /** ...and with each spend model there is (Gamma-Gamma where it fits, each customer's own mean). */
  spendBy: Partial<Record<SpendModel, ModelScore['spend']>>;
  /** ROC AUC of 1 - P(alive) for "no purchase in the holdout"; null for a model without P(alive). */
  churnAuc: number | null;
  /** Mean predicted and actual holdout purchases of the customers with each number of repeat purchases (7: 7 or more). */
  byFrequency: { frequency: number; customers: number; predicted: number; actual: number }[];
}

export interface Backtest {
  calibrationEnd: string;
  holdoutEnd: string;
  holdoutDays: number;
  customers: number;
  /** Customers who bought again in the holdout. */
  active: number;
  /** The AUC of the days since the last purchase alone, the churn baseline. */
  recencyAuc: number;
  models: ModelScore[];
}

/** What each calibration customer did in the holdout: purchase days after the calibration end, and their spend. */
function holdoutOf(purchases: Iterable<Purchase>, calibrationEnd: number, holdoutEnd: number): Map<string, { days: Set<number>; spend: number }> {
  const endDay = Math.floor(calibrationEnd / DAY_MS);
  const lastDay = Math.floor(holdoutEnd / DAY_MS);
  const out = new Map<string, { days: Set<number>; spend: number }>();
  for (const p of purchases) {
    const day = Math.floor(p.at / DAY_MS);
    if (day <= endDay || day > lastDay) continue;
    let h = out.get(p.customerId);
    if (!h) out.set(p.customerId, (h = { days: new Set(), spend: 0 }));
    h.days.add(day);
    h.spend += p.amount;
  }
  return out;
}

export const SPEND_MODELS = ['gamma-gamma', 'own-mean', 'gamma-gamma-all'] as const;
export type SpendModel = (typeof SPEND_MODELS)[number];
type SpendOf = (c: CustomerHistory) => number;

/** A Gamma-Gamma fit where it converges with a finite mean (q > 1); null where it does not. */
function gammaGammaOf(fit: () => Fit<GammaGammaParams>): Fit<GammaGammaParams> | null {
  try {
    const gg = fit();
    return gg.params.q > 1 ? gg : null;
  } catch {
    // Spend too uniform, or no repeat buyer.
    return null;
  }
}

/**
 * Spend per purchase, each way there is: Gamma-Gamma's expectation (where it fits; the customer's own mean of
 * repeat days shrunk to the population's), the customer's own mean purchase-day value, and Gamma-Gamma over every
 * purchase day, the first included. The first is the default.
 */
function spendModels(customers: readonly CustomerHistory[]): Map<SpendModel, SpendOf> {
  const models = new Map<SpendModel, SpendOf>();
  const gg = gammaGammaOf(() => fitGammaGamma(customers));
  if (gg) models.set('gamma-gamma', (c) => expectedAverageSpend(gg.params, c));
  models.set('own-mean', (c) => c.revenue / (c.frequency + 1));
  const all = gg && gammaGammaOf(() => fitGammaGammaAllDays(customers, gg.params));
  if (all) models.set('gamma-gamma-all', (c) => expectedAverageSpend(all.params, everyPurchaseDay(c)));
  return models;
}

type SpendScore = ModelScore['spend'];

function spendScore(purchases: Float64Array, customers: readonly CustomerHistory[], actual: Float64Array, spend: SpendOf): SpendScore {
  const predicted = Float64Array.from(customers, (c, i) => purchases[i] * spend(c));
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  return { ...errors(predicted, actual), spearman: spearman(predicted, actual), topDecileCapture: topShareCapture(predicted, actual), predicted: sum(predicted), actual: sum(actual) };
}

function score(predictor: Predictor, customers: readonly CustomerHistory[], actual: { purchases: Float64Array; spend: Float64Array }, t: number, spends: Map<SpendModel, SpendOf>): ModelScore {
  const n = customers.length;
  const purchases = new Float64Array(n);
  const risk = new Float64Array(n);
  let alive = true;
  customers.forEach((c, i) => {
    purchases[i] = predictor.expected(c, t);
    const p = predictor.pAlive(c);
    if (p === null) alive = false;
    else risk[i] = 1 - p;
  });
  const bySpend = Object.fromEntries([...spends].map(([name, spend]) => [name, spendScore(purchases, customers, actual.spend, spend)])) as ModelScore['spendBy'];
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  const buckets = Array.from({ length: 8 }, (_, frequency) => ({ frequency, customers: 0, predicted: 0, actual: 0 }));
  customers.forEach((c, i) => {
    const b = buckets[Math.min(7, c.frequency)];
    b.customers++;
    b.predicted += purchases[i];
    b.actual += actual.purchases[i];
  });
  return {
    model: predictor.model,
    params: predictor.params,
    logLikelihood: predictor.logLikelihood,
    purchases: { ...errors(purchases, actual.purchases), spearman: spearman(purchases, actual.purchases), predicted: sum(purchases), actual: sum(actual.purchases) },
    spend: bySpend[spends.keys().next().value!]!,
    spendBy: bySpend,
    churnAuc: alive
      ? rocAuc(
          risk,
          Array.from(actual.purchases, (x) => x === 0),
        )
      : null,
    byFrequency: buckets.filter((b) => b.customers > 0).map((b) => ({ ...b, predicted: b.predicted / b.customers, actual: b.actual / b.customers })),
  };
}

/** Values every customer as of the calibration end with each model, and scores the models on the holdout. */
export function backtest(all: readonly Purchase[], options: BacktestOptions): Backtest {
  const { calibrationEnd, holdoutEnd } = options;
  // What a model may learn from: nothing after the calibration end.
  const endDay = Math.floor(calibrationEnd / DAY_MS);
  const purchases = all.filter((p) => Math.floor(p.at / DAY_MS) <= endDay);
  const customers = summarize(purchases, { end: calibrationEnd });
  const holdout = holdoutOf(all, calibrationEnd, holdoutEnd);
  const actual = { purchases: new Float64Array(customers.length), spend: new Float64Array(customers.length) };
  customers.forEach((c, i) => {
    const h = holdout.get(c.id);
    actual.purchases[i] = h?.days.size ?? 0;
    actual.spend[i] = h?.spend ?? 0;
  });
  const t = Math.floor(holdoutEnd / DAY_MS) - Math.floor(calibrationEnd / DAY_MS);
  const spends = spendModels(customers);
  const lapsed = Array.from(actual.purchases, (x) => x === 0);
  const bgnbd = lazyBgNbd(customers);
  const models = (options.models ?? PURCHASE_MODELS).map((model) => {
    try {
      return score(fitPredictor(model, customers, { purchases, end: calibrationEnd, horizon: t, bgnbd }), customers, actual, t, spends);
    } catch (error) {
      const none = { mae: NaN, rmse: NaN, spearman: NaN, predicted: NaN, actual: NaN };
      return { model, params: null, logLikelihood: null, error: (error as Error).message, purchases: none, spend: { ...none, topDecileCapture: NaN }, spendBy: {}, churnAuc: null, byFrequency: [] };
    }
  });
  return {
    calibrationEnd: new Date(calibrationEnd).toISOString().slice(0, 10),
    holdoutEnd: new Date(holdoutEnd).toISOString().slice(0, 10),
    holdoutDays: t,
    customers: customers.length,
    active: lapsed.filter((x) => !x).length,
    recencyAuc: rocAuc(
      customers.map((c) => c.T - c.recency),
      lapsed,
    ),
    models,
  };
}
