// The wire format shared by the SDK and the collector: Segment's spec (page, track, identify) with the
// e-commerce v2 event names. Types only, plus the list of event names; the SDK bundle carries no validator.

/** The SDK sends page, track and identify; the collector also takes Segment's screen, group and alias. */
export type EventType = 'page' | 'track' | 'identify' | 'screen' | 'group' | 'alias';

/** Segment e-commerce spec v2 events Patron understands, plus Patron's own recommendation events. */
export const ECOMMERCE_EVENTS = [
  'Product Viewed',
  'Product Added',
  'Product Removed',
  'Product Clicked',
  'Cart Viewed',
  'Checkout Started',
  'Order Completed',
  'Recommendation Viewed',
  'Recommendation Clicked',
] as const;
export type EcommerceEvent = (typeof ECOMMERCE_EVENTS)[number];

export interface ProductProperties {
  product_id?: string;
  sku?: string;
  name?: string;
  category?: string;
  price?: number;
  quantity?: number;
  currency?: string;
  position?: number;
  url?: string;
  image_url?: string;
  [key: string]: unknown;
}

export interface EventProperties extends ProductProperties {
  order_id?: string;
  revenue?: number;
  total?: number;
  products?: ProductProperties[];
  /** Recommendation events: the slot that showed the items and the id the collector gave the answer. */
  slot?: string;
  recommendation_id?: string;
  /** Experiment Viewed (Segment's A/B testing spec): the experiment and the variation the page rendered. */
  experiment_id?: string;
  variation_id?: string;
}

export interface EventContext {
  page?: { url?: string; referrer?: string; title?: string; path?: string; search?: string };
  userAgent?: string;
  locale?: string;
  library?: { name: string; version: string };
  /** Patron's visit id: a new one after 30 minutes without activity. */
  sessionId?: string;
  [key: string]: unknown;
}

export interface WireEvent {
  type: EventType;
  /** track: the event name, for example 'Product Viewed'. */
  event?: string;
  /** page: the page's name. */
  name?: string;
  messageId: string;
  anonymousId?: string;
  userId?: string;
  /** ISO 8601, when the event happened on the client. */
  timestamp: string;
  properties?: EventProperties;
  /** identify and group: what is known about the user or the group. */
  traits?: Record<string, unknown>;
  /** group: the account or company the user belongs to. */
  groupId?: string;
  /** alias: the earlier id (an anonymous id or an old user id) that `userId` now stands for. */
  previousId?: string;
  context?: EventContext;
}

export interface BatchRequest {
  batch: WireEvent[];
  /** For sendBeacon, which cannot set an Authorization header. */
  writeKey?: string;
  sentAt?: string;
}

export interface Issue {
  path: string;
  message: string;
}

export interface RejectedEvent {
  index: number;
  messageId?: string;
  issues: Issue[];
}

export interface BatchResponse {
  success: true;
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

export interface ErrorBody {
  error: { code: string; message: string; issues?: Issue[] };
}

export type Strategy = 'also-bought' | 'also-viewed' | 'for-you' | 'popular' | 'trending' | 'recently-viewed' | 'segment-top';
export const STRATEGIES: readonly Strategy[] = ['also-bought', 'also-viewed', 'for-you', 'popular', 'trending', 'recently-viewed', 'segment-top'];

export interface RecommendedItem {
  id: string;
  name: string;
  url?: string;
  image?: string;
  price?: number;
  currency?: string;
  category?: string;
  score: number;
  position: number;
}

export interface RecommendationResponse {
  recommendationId: string;
  /** The merchant's slot that was served, when one was named. */
  slot?: string;
  strategy: Strategy;
  /** Which strategy actually produced each item (a fallback, or 'pinned' by the merchant). */
  items: (RecommendedItem & { source: Strategy | 'pinned' })[];
  /** The experiments this answer is a variant of: the page tracks Experiment Viewed for each once rendered. */
  experiments?: ExperimentVariant[];
  /** The variant leaves the slot alone (an experiment's control, a holdout): the page's own markup shows. */
  unfilled?: true;
}

/**
 * An experiment's variant as the collector assigned it to the visitor, named as the properties of the
 * Experiment Viewed event (Segment's A/B testing spec) the page tracks once it rendered the variant.
 */
export type ExperimentVariant = {
  experiment_id: string;
  variation_id: string;
  /** Content experiments: the data-patron-content block, and whether the visitor is shown it. */
  content?: string;
  shown?: boolean;
};

export interface SegmentInfo {
  id: number;
  slug: string;
  label: string;
}

export type ChurnRiskTier = 'active' | 'cooling' | 'at-risk' | 'lost';

/** Figures a merchant may choose to expose to the page (none are by default). */
export const PUBLIC_PROFILE_FIELDS = ['clv', 'pAlive', 'expectedPurchases', 'rfmScores'] as const;
export type PublicProfileField = (typeof PUBLIC_PROFILE_FIELDS)[number];

/** What the shop's page may know about its visitor (GET /v1/profile). */
export type LifecycleStage = 'new' | 'active' | 'loyal' | 'at-risk' | 'lapsed' | 'reactivated';

export interface ProfileResponse {
  anonymousId?: string;
  userId?: string;
  segment: SegmentInfo | null;
  /** The RFM group, once the visitor has bought. */
  rfm: { group: string; label: string } | null;
  /** From P(alive), once the visitor has bought and the models are fitted. */
  churnRisk: ChurnRiskTier | null;
  /** The lifecycle stage (new, active, loyal, at-risk, lapsed, reactivated), once the visitor has bought. */
  stage: LifecycleStage | null;
  /** What targeting rules can name: segment:<slug>, segment:<id>, rfm:<group>, churn:<tier>, stage:<stage>. */
  traits: string[];
  /** Only when the merchant made them public. */
  clv?: number | null;
  pAlive?: number | null;
  expectedPurchases?: number | null;
  rfmScores?: { r: number; f: number; m: number } | null;
  /** The holdout (when the visitor is held out, nothing above is told) and the content experiments. */
  experiments?: ExperimentVariant[];
}

export interface SegmentResponse {
  anonymousId: string;
  segment: SegmentInfo | null;
}
