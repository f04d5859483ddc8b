// An experiment's results: per variant what its visitors did after their first exposure, each figure with a
// 95% interval; each variant's effect over control on every metric (CUPED-adjusted by the same behaviour before
// exposure where there was any, the delta method's relative uplift), fixed-horizon and always-valid side by side;
// the sample ratio check, the sample still needed, the decision, and the primary metric's effect day by day.

import {
  around,
  meanEffect,
  meanOf,
  normalQuantile,
  ratioEffect,
  ratioOf,
  relativeOf,
  sampleRatio,
  sequentialHalfWidth,
  spread,
  sweepExposures,
  visitorsNeeded,
  type Effect,
  type EffectInterval,
  type Moments,
  type SweptMetric,
  type VariantMoments,
} from '../../recommender';
import type { Metric } from '../domain/experiment';
import type { Experiment } from './experiments';

const Z95 = normalQuantile(0.975);

/** Each merchant-facing metric as the sweep measures it. */
const SWEPT: Record<Metric, SweptMetric> = {
  revenue_per_visitor: 'revenue',
  conversion_rate: 'conversion',
  orders_per_visitor: 'orders',
  clv_per_visitor: 'clv',
  average_order_value: 'aov',
};

export type Verdict = 'better' | 'worse' | 'inconclusive';

export interface MetricEffect {
  variant: string;
  metric: Metric;
  absolute: EffectInterval | null;
  relative: EffectInterval | null;
  pValue: number | null;
  /** Valid however often it is looked at: what the verdict reads. */
  sequential: { absolute: EffectInterval | null; relative: EffectInterval | null };
  cuped: Effect['cuped'];
  verdict: Verdict;
}

/** What the analysis needs of the models: each person's whole history and predicted value, by people index. */
export interface AnalysisInputs {
  totalRevenue: (person: number) => number;
  totalOrders: (person: number) => number;
  value: (person: number) => number;
  now: number;
  /** Plans the sample for this relative uplift instead of the experiment's own. */
  minimumDetectableEffect?: number;
}

const interval = (m: Moments): EffectInterval => {
  const mean = meanOf(m);
  const half = m.n > 1 ? Z95 * Math.sqrt(spread(m).vy / m.n) : 0;
  return { estimate: mean, lower: mean - half, upper: mean + half };
};

const verdictOf = (s: EffectInterval | null): Verdict => (!s ? 'inconclusive' : s.lower > 0 ? 'better' : s.upper < 0 ? 'worse' : 'inconclusive');

/** One variant against control on one metric. */
export function effectOf(control: VariantMoments, treatment: VariantMoments, metric: Metric, variant: string): MetricEffect {
  const k = SWEPT[metric];
  if (k !== 'aov') {
    const e = meanEffect(control[k], treatment[k]);
    return { variant, metric, absolute: e.absolute, relative: e.relative, pValue: e.pValue, sequential: e.sequential, cuped: e.cuped, verdict: verdictOf(e.sequential.absolute) };
  }
  // A ratio: the fixed-horizon intervals by the delta method (ratio.ts), the always-valid ones from the same variances.
  const fixed = ratioEffect(control.aov, treatment.aov);
  const a = ratioOf(control.aov);
  const b = ratioOf(treatment.aov);
  if (!a || !b) return { variant, metric, absolute: null, relative: null, pValue: null, sequential: { absolute: null, relative: null }, cuped: null, verdict: 'inconclusive' };
  const n = control.aov.n + treatment.aov.n;
  const relative = relativeOf(a, b);
  const sequential = {
    absolute: around(b.mean - a.mean, sequentialHalfWidth(a.variance + b.variance, n)),
    relative: relative && around(relative.estimate, sequentialHalfWidth(relative.variance, n)),
  };
  return { variant, metric, absolute: fixed.absolute, relative: fixed.relative, pValue: null, sequential, cuped: null, verdict: verdictOf(sequential.absolute) };
}

function variantRow(x: Experiment, v: number, m: VariantMoments) {
  const aov = ratioOf(m.aov);
  return {
    id: x.variations[v].id,
    control: v === 0,
    weight: x.weights[v],
    visitors: m.revenue.n,
    converters: m.conversion.sy,
    orders: m.orders.sy,
    revenue: m.revenue.sy,
    conversionRate: interval(m.conversion),
    ordersPerVisitor: interval(m.orders),
    revenuePerVisitor: interval(m.revenue),
    averageOrderValue: aov && { estimate: aov.mean, lower: aov.mean - Z95 * Math.sqrt(aov.variance), upper: aov.mean + Z95 * Math.sqrt(aov.variance) },
    clvPerVisitor: interval(m.clv),
  };
}

/** Ship a variant better on the primary metric that harms no guardrail; keep control when every variant is worse. */
function decide(x: Experiment, effects: MetricEffect[], mismatch: boolean, reached: boolean) {
  const primary = x.definition.primaryMetric;
  if (mismatch) return { status: 'check-assignment' as const, message: 'The split of visitors differs from the weights (sample ratio mismatch): fix the assignment before reading the results' };
  const ofPrimary = effects.filter((e) => e.metric === primary);
  const harmed = (variant: string) => effects.some((e) => e.variant === variant && e.metric !== primary && x.definition.guardrails.includes(e.metric) && e.verdict === 'worse');
  const best = ofPrimary.filter((e) => e.verdict === 'better' && !harmed(e.variant)).sort((a, b) => b.absolute!.estimate - a.absolute!.estimate)[0];
  if (best) return { status: 'ship' as const, variant: best.variant, message: `${best.variant} is better on ${primary}` };
  if (ofPrimary.length && ofPrimary.every((e) => e.verdict === 'worse'))
    return { status: 'keep-control' as const, variant: x.variations[0].id, message: `Every variant is worse than control on ${primary}` };
  if (reached) return { status: 'no-difference' as const, message: `The planned sample is reached and no variant differs from control by the minimum detectable effect on ${primary}` };
  return { status: 'keep-running' as const, message: `No always-valid interval of ${primary} excludes no change yet` };
}

/** The visitors per variant a fixed-horizon test needs for the minimum detectable effect on the primary metric. */
function sampleSize(x: Experiment, control: VariantMoments, visitors: number[], mde: number) {
  const k = SWEPT[x.definition.primaryMetric];
  const m = k === 'aov' ? control.revenue : control[k];
  const perVariant = m.n > 1 ? visitorsNeeded({ mean: meanOf(m), variance: spread(m).vy, minimumEffect: mde }) : null;
  const least = Math.min(...visitors);
  return { minimumDetectableEffect: mde, visitorsPerVariant: perVariant, visitorsSoFar: least, progress: perVariant ? Math.min(1, least / perVariant) : null };
}

const METRICS_OF = (x: Experiment): Metric[] =>
  [
    x.definition.primaryMetric,
    ...x.definition.guardrails.filter((g) => g !== x.definition.primaryMetric),
    ...(['revenue_per_visitor', 'conversion_rate', 'orders_per_visitor', 'average_order_value', 'clv_per_visitor'] as Metric[]),
  ].filter((m, i, all) => all.indexOf(m) === i);

export function analyse(x: Experiment, inputs: AnalysisInputs) {
  const end = Math.min(inputs.now, x.until);
  const sweep = sweepExposures({ data: x.ledger.read(), variants: x.variations.length, ...inputs, end });
  const [control, ...treatments] = sweep.variants;
  const visitors = sweep.variants.map((m) => m.revenue.n);
  const effects = METRICS_OF(x).flatMap((metric) => treatments.map((t, i) => effectOf(control, t, metric, x.variations[i + 1].id)));
  const srm = sampleRatio(visitors, x.weights);
  const size = sampleSize(x, control, visitors, inputs.minimumDetectableEffect ?? x.definition.minimumDetectableEffect);
  const primary = x.definition.primaryMetric;
  return {
    analysedAt: new Date(inputs.now).toISOString(),
    primaryMetric: primary,
    exposures: { visitors: visitors.reduce((a, b) => a + b, 0), mismatched: x.mismatched },
    sampleRatio: { ...srm, counts: Object.fromEntries(x.variations.map((v, i) => [v.id, visitors[i]])) },
    variants: sweep.variants.map((m, v) => variantRow(x, v, m)),
    effects,
    decision: decide(x, effects, srm.mismatch, size.progress === 1),
    sampleSize: size,
    overTime: sweep.days.map(({ day, variants: [c, ...ts] }) => ({
      day: new Date(day).toISOString().slice(0, 10),
      visitors: [c, ...ts].map((m) => m.revenue.n),
      effects: ts.map((t, i) => {
        const e = effectOf(c, t, primary, x.variations[i + 1].id);
        return { variant: e.variant, absolute: e.absolute, relative: e.relative, sequential: e.sequential };
      }),
    })),
  };
}

export type ExperimentReport = ReturnType<typeof analyse>;
