// Patron's recommender: pure algorithms, arrays and numbers in and out, no I/O. The one public entry, re-exports
// only: the collector imports from here and never from a file behind it, so those files can move freely.
export { CooccurrenceMatrix, SIMILARITIES, score, type Similarity } from './cooccurrence';
export { type Scored } from './ranking';
export { CachedRanking } from './cached-ranking';
export { IdIndex } from './ids';
export { int32Column } from './paged';
export { EventLog, BUCKET, BUCKET_NAME, canonicalPeople, stepsReached, type CohortCell, type Interval, type TimeRange } from './event-log';
export { InteractionModel, DEFAULT_INTERACTION_OPTIONS, type Interaction, type InteractionOptions, type Recommendation, type QueryOptions } from './interactions';
export { CustomerLedger, FEATURES, tableOf, type CustomerActivity, type FeatureMatrix, type FeatureTable } from './customers';
export { fitSegments, seedCentroids, silhouette, slugify, SegmentInputError, type Segment, type SegmentModel, type SegmentOptions } from './segments';
export { composeSlot, eligible, boost, type SlotRules, type SlotFilters, type Booster, type ItemFacts, type SlotContext, type SlotItem } from './slots';
export { ClickLedger, type Click, type OrderLine, type Attribution } from './attribution';
export { stratifiedSplit, rankingMetrics, type Rating, type Metrics } from './evaluation';
export { gammaDraws, random } from './random';
export {
  summarize,
  fitBgNbd,
  fitGammaGamma,
  fitGammaGammaAllDays,
  bgnbdLogLikelihood,
  gammaGammaLogLikelihood,
  expectedPurchases,
  conditionalExpectedPurchases,
  probabilityAlive,
  probabilityNoPurchase,
  probabilityOfPurchases,
  expectedAverageSpend,
  everyPurchaseDay,
  customerLifetimeValue,
  discountedValue,
  ConvergenceError,
  type Purchase,
  type CustomerHistory,
  type BgNbdParams,
  type GammaGammaParams,
  type Fit,
  type FitOptions,
  type ClvOptions,
} from './value/clv';
export { fitParetoNbd, paretoNbdLogLikelihood, paretoProbabilityAlive, paretoConditionalExpectedPurchases, type ParetoNbdParams } from './value/pareto-nbd';
export { backtest, fitPredictor, PURCHASE_MODELS, SPEND_MODELS, type SpendModel, type Backtest, type BacktestOptions, type ModelScore, type Predictor, type PurchaseModel } from './value/backtest';
export {
  fitActivityRegression,
  activityExpectedPurchases,
  activityIndividualPurchases,
  activityProbabilityActive,
  activityFeatures,
  fitPoisson,
  type ActivityModel,
} from './value/activity-regression';
export { errors, ranks, rocAuc, spearman, topShareCapture } from './value/accuracy';
export { lifecycleThresholds, purchaseGaps, stageOn, stageChanges, STAGES, type Stage, type LifecycleThresholds } from './value/lifecycle';
export { scoreRfm, rfmGroup, RFM_GROUPS, RFM_LABELS, type RfmScore, type RfmGroup, type RfmInput } from './value/rfm';
export {
  valueCustomers,
  buyersOf,
  churnHorizonOf,
  churnRisk,
  CHURN_TIERS,
  DEFAULT_CHURN_THRESHOLDS,
  type ChurnRisk,
  type CustomerValue,
  type ValueModel,
  type ValueOptions,
  type BuyerHistory,
  type PurchaseHistory,
  type StageChange,
} from './value/customer-value';
export { chooseModels, holdoutDaysOf, VALUE_MODELS, type ModelChoice, type ChoiceScore, type ChoiceOptions, type ValueModelName } from './value/model-choice';
export { merchantMeasures, type Order, type PeriodMeasures, type CohortRevenue } from './value/measures';
export { PurchaseDays, MAX_DAYS_KEPT, type PurchaseDayTable } from './purchase-days';
export { fnv1a32, bucketOf, variantOf } from './experiments/hash';
export { normalCdf, normalQuantile, chiSquareSurvival } from './experiments/distributions';
export { addVisitor, emptyMoments, meanOf, momentsOf, spread, type Moments } from './experiments/moments';
export { meanEffect, relativeOf, around, type Effect, type EffectOptions, type Interval as EffectInterval } from './experiments/effect';
export { sequentialHalfWidth, DEFAULT_SEQUENTIAL_TUNING } from './experiments/sequential';
export { ratioEffect, ratioOf, type RatioEffect } from './experiments/ratio';
export { sampleRatio, SRM_THRESHOLD, type SampleRatio } from './experiments/srm';
export { visitorsNeeded } from './experiments/power';
export { ExposureLedger, MERGED_ROW, type ExposureData } from './experiments/exposures';
export { sweepExposures, SWEPT_METRICS, type Sweep, type SweptMetric, type VariantMoments } from './experiments/sweep';
