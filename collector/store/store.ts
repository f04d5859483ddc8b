// The storage interface. Async from day one so that a PostgreSQL store can sit behind the same calls.

import type { EventType } from '../../sdk/wire';
import type { CatalogItem } from '../domain/catalog-item';
import type { SlotConfig } from '../domain/slot-config';
import type { QuarantinedEvent, RawEvent, StoredEvent } from '../domain/stored-event';
import type { CustomerValue, Segment, ValueModel } from '../../recommender';

/** The CLV models and every buyer's value, as of `updatedAt`. */
export interface StoredValues {
  model: Omit<ValueModel, 'customers'>;
  customers: CustomerValue[];
  updatedAt: number;
}

export interface StoredSegments {
  segments: Segment[];
  assignments: Map<string, number>;
  updatedAt: number;
}

/** Per slot and day (UTC, YYYY-MM-DD): slot views, clicks, attributed orders and their revenue. */
export interface SlotStats {
  day: string;
  slot: string;
  impressions: number;
  clicks: number;
  orders: number;
  revenue: number;
}

export interface AttributedOrder {
  orderId: string | null;
  slot: string;
  recommendationIds: string[];
  products: string[];
  revenue: number;
  at: number;
}

/** What GET /v1/query/events asks of the store. Every value is bound as a parameter. */
export interface EventQuery {
  events?: string[];
  type?: string;
  from?: number;
  to?: number;
  userId?: string;
  anonymousId?: string;
  productId?: string;
  /** Property name (letters, digits, _) and the value it must equal. */
  properties: [string, string][];
  interval?: 'hour' | 'day' | 'week' | 'month';
  /** event, type, product_id, user (user id, else the anonymous id) or prop.<name>. */
  by?: string;
  measures: ('count' | 'users' | 'revenue')[];
  limit: number;
}

/** A row of an events query: the bucket (start of the hour, day, week or month, UTC) and group when asked for. */
export interface EventQueryRow {
  bucket?: string;
  group?: string | number | null;
  count?: number;
  users?: number;
  revenue?: number;
}

/** Cohorts by the period of their first order (or first visit), and how many were active in each later period. */
export interface RetentionQuery {
  interval: 'week' | 'month';
  /** orders: cohorts by first order, active = ordered; visits: by first event of any kind, active = any event. */
  basis: 'orders' | 'visits';
  from?: number;
  to?: number;
}

export interface RetentionRow {
  cohort: string;
  /** Periods since the cohort's (0: its own). */
  offset: number;
  customers: number;
}

export interface TopProductsQuery {
  sort: 'views' | 'cartAdds' | 'orders' | 'revenue';
  limit: number;
  from?: number;
  to?: number;
}

export interface TopProductRow {
  productId: string;
  views: number;
  cartAdds: number;
  /** Orders containing the product, and the revenue of its lines in them. */
  orders: number;
  revenue: number;
}

export interface FunnelQuery {
  /** Event names, in order: a person reaches step k by doing it after step k - 1... */
  steps: string[];
  /** ...and within this long of their first step. */
  windowMs: number;
  from?: number;
  to?: number;
}

/**
 * Where events came from, when they came in a request: a store may keep the body as it arrived instead of
 * serialising each event again.
 */
export interface EventSource {
  body: Buffer;
  /** For each event, its index among the body's events when it is exactly as it arrived there, else -1. */
  positions: number[];
  /** The type the endpoint gives events that name none (/v1/track and the like). */
  impliedType?: EventType;
  /** The body is one event (less its writeKey), not a batch. */
  single?: boolean;
}

export interface Store {
  /**
   * Stores new events durably before resolving; an event already stored (same messageId and timestamp) is
   * skipped. Returns the new ones.
   */
  insertEvents(events: StoredEvent[], source?: EventSource): Promise<{ inserted: StoredEvent[]; duplicates: number }>;
  /**
   * Resolves once every write acknowledged before the call can be read back (a store that writes behind
   * its acknowledgements, as the SQLite store's journal does, catches up first). Reads call it themselves.
   */
  settled(): Promise<void>;
  quarantine(events: QuarantinedEvent[]): Promise<void>;
  listQuarantine(limit: number, beforeId?: number): Promise<(QuarantinedEvent & { id: number })[]>;
  countEvents(): Promise<number>;
  /** Every stored event in time order, page by page, for rebuilding the models at start-up. */
  scanEvents(pageSize?: number): AsyncIterable<StoredEvent[]>;
  /** The same, JSON columns left as text (exports), from `from` (included) to `to` (excluded) when given. */
  scanRawEvents(pageSize?: number, range?: { from?: number; to?: number }): AsyncIterable<RawEvent[]>;
  upsertItems(items: CatalogItem[]): Promise<number>;
  listItems(): Promise<CatalogItem[]>;
  /** Removes products from the catalog; returns how many there were. */
  deleteItems(ids: string[]): Promise<number>;
  listSlots(): Promise<{ name: string; config: SlotConfig; updatedAt: number }[]>;
  /** Creates or replaces a slot; true when it is new. */
  putSlot(name: string, config: SlotConfig, at: number): Promise<boolean>;
  deleteSlot(name: string): Promise<boolean>;
  /** anonymousId → userId, as learnt from identify calls. */
  linkIdentity(anonymousId: string, userId: string, at: number): Promise<void>;
  listIdentities(): Promise<Map<string, string>>;
  /** Adds to the per-slot, per-day counters, and records attributed orders. */
  addSlotStats(stats: SlotStats[], attributions: AttributedOrder[]): Promise<void>;
  slotReport(query: { from?: string; to?: string; slot?: string }): Promise<SlotStats[]>;
  /** Adds to the count of events that clients dropped before they could send them. */
  addClientDropped(n: number): Promise<void>;
  clientDropped(): Promise<number>;
  /** Counts, unique users and revenue of the stored events, filtered, bucketed by time and grouped. */
  queryEvents(query: EventQuery): Promise<EventQueryRow[]>;
  retention(query: RetentionQuery): Promise<RetentionRow[]>;
  topProducts(query: TopProductsQuery): Promise<TopProductRow[]>;
  /**
   * How many people (anonymous ids resolved to their users) reached each step, per group: `groupOf` names a
   * person's group ('' counts everyone once, under '').
   */
  funnel(query: FunnelQuery, groupOf?: (person: string) => string): Promise<Map<string, number[]>>;
  saveSegments(segments: StoredSegments): Promise<void>;
  loadSegments(): Promise<StoredSegments | null>;
  /** Replaces the customer values (CLV, P(alive), RFM...) with the latest refit's. */
  saveValues(values: StoredValues): Promise<void>;
  loadValues(): Promise<StoredValues | null>;
  close(): Promise<void>;
}
