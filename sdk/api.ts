// The SDK's public shape: what createPatron takes and what it gives the page. The parts that build it
// (delivery, consent, identity, tracking, reads, targeting, slots) each hold one concern.

import type { UseStore } from 'idb-keyval';
import type { Locks } from './lease';
import type { EventProperties, ProductProperties, ProfileResponse, RecommendationResponse, SegmentInfo, Strategy } from './wire';

export const VERSION = '0.1.0';

export interface PatronOptions {
  writeKey: string;
  /** The collector's base URL, for example https://patron.example.com. */
  endpoint: string;
  /** Send when this many events are waiting... */
  flushAt?: number;
  /** ...or this many milliseconds after the first one. */
  flushInterval?: number;
  /** First retry delay; doubles on each failure up to maxRetryDelay, with jitter. */
  baseRetryDelay?: number;
  maxRetryDelay?: number;
  /** A visit ends after this long without activity. */
  sessionTimeout?: number;
  /** How long recommendation and segment requests may take before the page gives up on them. */
  requestTimeout?: number;
  /** How long [data-patron-show] content waits for the visitor's profile before the page goes on without it. */
  targetingTimeout?: number;
  /** Track Recommendation Viewed / Clicked for rendered slots. */
  trackRecommendations?: boolean;
  /** Caps on the events waiting to be sent; past them the oldest go and are counted. */
  maxQueueEvents?: number;
  maxQueueBytes?: number;
  /**
   * granted: track; pending: keep events in memory only until granted; denied: send nothing and forget the
   * visitor. A choice made with consent() is remembered and wins over this.
   */
  consent?: Consent;
  /** Treat Global Privacy Control and Do Not Track as consent denied, until the visitor grants it. */
  honorPrivacySignals?: boolean;
  /** No userId, and no identifier kept beyond the visit (sessionStorage only). */
  anonymous?: boolean;
  debug?: boolean;
  // Dependencies, with the browser's as defaults.
  fetch?: typeof fetch;
  /** Given the batch's JSON as a string, which the browser sends as text/plain (no CORS preflight). */
  sendBeacon?: (url: string, data: string) => boolean;
  idbStore?: UseStore;
  storage?: Storage | null;
  /** Per-visit storage for anonymous mode. */
  sessionStorage?: Storage | null;
  locks?: Locks;
  window?: Window;
  random?: () => number;
}

export type Consent = 'granted' | 'pending' | 'denied';

export interface RecommendationRequest {
  /** A slot the merchant configured on the collector (or one named after a strategy). */
  slot?: string;
  /** An ad-hoc strategy, when no slot is named. */
  strategy?: Strategy;
  item?: string;
  limit?: number;
}

export interface Patron {
  page(name?: string, properties?: EventProperties): void;
  track(event: string, properties?: EventProperties): void;
  productViewed(product: ProductProperties): void;
  productAdded(product: ProductProperties): void;
  orderCompleted(order: EventProperties): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  /** null when the collector cannot be reached in time: the page goes on without. */
  recommendations(request: RecommendationRequest): Promise<RecommendationResponse | null>;
  segment(): Promise<SegmentInfo | null>;
  /** The visitor's segment, RFM group and churn risk (fetched once per page); null when unknown in time. */
  profile(): Promise<ProfileResponse | null>;
  /** Fills every [data-patron-slot] under root not filled yet. */
  renderSlots(root?: ParentNode): Promise<void>;
  /**
   * Shows [data-patron-show="segment:slug rfm:champions churn:at-risk"] to matching visitors only and hides
   * [data-patron-hide="..."] from them; both stay hidden until the profile is known (or the wait times out).
   */
  renderTargeted(root?: ParentNode): Promise<void>;
  flush(): Promise<void>;
  anonymousId(): string;
  userId(): string | null;
  /** Forgets the user and starts a new anonymous id (on logout). */
  reset(): void;
  /** The visitor's choice; with no argument, the state in force. */
  consent(state?: Consent): Consent;
  /** Calls back (and resolves) once events left by earlier pages are loaded; the stub snippet queues it too. */
  ready(callback?: (patron: Patron) => void): Promise<Patron>;
  /** Stops listening to the page (tests, single-page apps tearing down). */
  destroy(): void;
}
