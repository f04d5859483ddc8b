// Which purchase and spend models value a shop's customers, chosen by a backtest on its own history: the latest
// weeks held out, every model fitted on what came before and scored on what the customers did in them. The
// buy-till-you-die models hold on some shops (CDNOW) and collapse on others (a few months of wholesalers); the
// shop's own figures decide, and they are kept with the values so the merchant sees why.

import { backtest, type ModelScore, type SpendModel } from './backtest';
import type { Purchase } from './clv';
import { customerSample } from './customer-sample';

const DAY_MS = 86_400_000;

/** The models a shop's customers can be valued with (the naive rate is the baseline they are shown against). */
export const VALUE_MODELS = ['bgnbd', 'activity'] as const;
export type ValueModelName = (typeof VALUE_MODELS)[number];

/** One model's backtest figures, as the choice shows them. */
export interface ChoiceScore {
  model: ModelScore['model'];
  purchasesRmse: number;
  purchasesSpearman: number;
  /** Predicted over actual holdout purchases. */
  purchasesRatio: number;
  /** The share of the holdout's revenue that the top tenth by predicted spend brought (its best spend model)... */
  topDecileCapture: number;
  /** ...and with each spend model (absent in values saved before it was kept). */
  captureBySpend?: Partial<Record<SpendModel, number>>;
  churnAuc: number | null;
  /** Mean predicted and actual holdout purchases by repeat purchases before it (the calibration-against-holdout chart). */
  byFrequency: ModelScore['byFrequency'];
  error?: string;
}

export interface ModelChoice {
  purchase: ValueModelName;
  spend: SpendModel;
  /** Why these: the backtest's verdict, or why there was none. */
  reason: string;
  /** The backtest the choice was made on; null when the history was too short for one. */
  backtest: { calibrationEnd: string; holdoutEnd: string; holdoutDays: number; customers: number; recencyAuc: number; scores: ChoiceScore[] } | null;
}

export interface ChoiceOptions {
  /** Days held out at the end of the history: a quarter of it, 28 to 90 days, by default. */
  holdoutDays?: number;
  /** Fewer customers than this at the calibration end, or fewer who bought again in the holdout: no backtest. */
  minCustomers?: number;
  minActive?: number;
  /** The backtest runs on a sample of this many customers at most (drawn by a hash of their id: the same each refit). */
  maxCustomers?: number;
}

/** The default when the history is too short to test on: the published model. */
const DEFAULT: Pick<ModelChoice, 'purchase' | 'spend'> = { purchase: 'bgnbd', spend: 'gamma-gamma' };

function scoreOf(m: ModelScore): ChoiceScore {
  const captures = Object.values(m.spendBy).map((s) => s.topDecileCapture);
  return {
    model: m.model,
    purchasesRmse: m.purchases.rmse,
    purchasesSpearman: m.purchases.spearman,
    purchasesRatio: m.purchases.predicted / m.purchases.actual,
    topDecileCapture: captures.length ? Math.max(...captures) : NaN,
    captureBySpend: Object.fromEntries(Object.entries(m.spendBy).map(([name, s]) => [name, s.topDecileCapture])),
    churnAuc: m.churnAuc,
    byFrequency: m.byFrequency,
    ...(m.error ? { error: m.error } : {}),
  };
}

/** The holdout's length: a quarter of the history, at least four weeks and at most ninety days. */
export function holdoutDaysOf(spanDays: number): number {
  return Math.max(28, Math.min(90, Math.round(spanDays / 4)));
}

/**
 * Backtests the value models on the purchases up to `end` (the latest `holdoutDays` held out) and chooses: the
 * model better on at least two of purchases' RMSE, their rank correlation and top-decile capture; with it, the
 * spend model with the lower error on the holdout's spend.
 */
export function chooseModels(purchases: readonly Purchase[], end: number, options: ChoiceOptions = {}): ModelChoice {
  const first = purchases.reduce((m, p) => Math.min(m, p.at), Infinity);
  const endDay = Math.floor(end / DAY_MS);
  const span = endDay - Math.floor(first / DAY_MS);
  const holdoutDays = options.holdoutDays ?? holdoutDaysOf(span);
  const none = (why: string): ModelChoice => ({ ...DEFAULT, reason: `no backtest: ${why}; BG/NBD and Gamma-Gamma, the published models`, backtest: null });
  if (!(span >= 2 * holdoutDays)) return none(`${Math.max(0, span)} days of orders, fewer than twice the ${holdoutDays}-day holdout`);
  const calibrationEnd = (endDay - holdoutDays) * DAY_MS;
  const result = backtest(customerSample(purchases, options.maxCustomers ?? 20_000), { calibrationEnd, holdoutEnd: endDay * DAY_MS, models: ['naive', ...VALUE_MODELS] });
  if (result.customers < (options.minCustomers ?? 50)) return none(`${result.customers} customers before the holdout`);
  if (result.active < (options.minActive ?? 10)) return none(`${result.active} of them bought again in the holdout`);
  const scores = result.models.map(scoreOf);
  const shown = { calibrationEnd: result.calibrationEnd, holdoutEnd: result.holdoutEnd, holdoutDays, customers: result.customers, recencyAuc: result.recencyAuc, scores };
  const [bg, activity] = VALUE_MODELS.map((name) => result.models.find((m) => m.model === name && !m.error));
  const chosen = !bg ? activity : !activity ? bg : wins(scoreOf(activity), scoreOf(bg)) >= 2 ? activity : bg;
  if (!chosen) return { ...none('neither model could be fitted'), backtest: shown };
  const spends = Object.entries(chosen.spendBy) as [SpendModel, ModelScore['spend']][];
  const [spend] = spends.reduce((best, s) => (s[1].rmse < best[1].rmse ? s : best));
  const other = chosen === bg ? activity : bg;
  const measures = `(RMSE, rank correlation, top-decile capture) over the last ${holdoutDays} days`;
  const won = other ? wins(scoreOf(chosen), scoreOf(other)) : 0;
  // BG/NBD stays unless the activity model is better on two of three: a tie keeps the published model.
  const reason = !other
    ? `${chosen.model}: ${(chosen === bg ? VALUE_MODELS[1] : VALUE_MODELS[0]) ?? ''} could not be fitted`
    : won >= 2
      ? `${chosen.model} better than ${other.model} on ${won} of 3 ${measures}`
      : `${chosen.model}: ${other.model} better on only ${wins(scoreOf(other), scoreOf(chosen))} of 3 ${measures}`;
  return { purchase: chosen.model as ValueModelName, spend, reason: `${reason}; spend: ${spend}, the lower error on the holdout's spend`, backtest: shown };
}

/** On how many of the three measures `a` beats `b`. */
function wins(a: ChoiceScore, b: ChoiceScore): number {
  return Number(a.purchasesRmse < b.purchasesRmse) + Number(a.purchasesSpearman > b.purchasesSpearman) + Number(a.topDecileCapture > b.topDecileCapture);
}
