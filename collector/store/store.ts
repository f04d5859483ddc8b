// The storage contract: what the collector asks of any engine, as narrow role interfaces that each service
// takes only what it needs of (PostHog's repositories, GrowthBook's sticky-bucket service). Engine-neutral:
// plain values in and out, no HTTP types, no callback per row; every call is async so that an engine across
// the network (PostgreSQL) meets the same contract. test/store/contract.ts holds every engine to it.

import type { EventType } from '../../sdk/wire';
import type { CatalogItem } from '../domain/catalog-item';
import type { ExperimentRecord } from '../domain/experiment';
import type { SubscriptionRecord } from '../domain/webhook';
import type { SlotConfig } from '../domain/slot-config';
import type { QuarantinedEvent, RawEvent, StoredEvent } from '../domain/stored-event';
import type { ChurnRisk, CustomerValue, Segment, Stage, ValueModel } from '../../recommender';

/** The CLV models and every buyer's value, as of `updatedAt`. */
export interface StoredValues {
  model: Omit<ValueModel, 'customers' | 'stageChanges'>;
  customers: CustomerValue[];
  updatedAt: number;
}

/** Each customer's segment: what a save walks and a reader looks up (a Map will do). */
export interface Assignments extends Iterable<[customerId: string, segmentId: number]> {
  get(customerId: string): number | undefined;
  /** Leaves a customer out (deleted on request). */
  delete(customerId: string): unknown;
  readonly size: number;
}

export interface StoredSegments {
  segments: Segment[];
  assignments: Assignments;
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

/**
 * A hint of how events arrived, when they came in a request: an engine may keep the body as it arrived
 * instead of serialising each event again, or ignore the hint.
 */
export interface ArrivalHint {
  body: Buffer;
  /** For each event, its index among the body's events when it is exactly as it arrived there, else -1. */
  positions: number[];
  /** The type the endpoint gives events that name none (/v1/track and the like). */
  impliedType?: EventType;
  /** The body is one event (less its writeKey), not a batch. */
  single?: boolean;
}

/** A tie of an anonymous id (or an alias's previous id) to a user, from the event that made it. */
export interface IdentityLink {
  anonymousId: string;
  userId: string;
  at: number;
}

export interface Slot {
  name: string;
  config: SlotConfig;
  updatedAt: number;
}

/** Quarantined events dropped: `expired` by age, `overCap` beyond the most the quarantine keeps. */
export interface QuarantineDropped {
  expired: number;
  overCap: number;
}

/** Events in, durably, exactly once; and out again in time order. */
export interface EventStore {
  /**
   * Stores new events durably before resolving; an event already stored (the same messageId, whatever its
   * timestamp) is skipped, within a call too. Returns the new ones, in the order given.
   */
  insertEvents(events: StoredEvent[], arrival?: ArrivalHint): Promise<{ inserted: StoredEvent[]; duplicates: number }>;
  /** Keeps rejected events with their reasons. */
  quarantine(events: QuarantinedEvent[]): Promise<void>;
  /** Rejected events, newest first, `limit` of them from before the id `beforeId` when given. */
  listQuarantine(limit: number, beforeId?: number): Promise<(QuarantinedEvent & { id: number })[]>;
  /**
   * Drops the quarantined events received before `before`, then the oldest beyond the newest `keep`, at most
   * `most` in one call (the caller calls again while it drops that many); counts what it dropped, for good.
   */
  pruneQuarantine(limits: { before: number; keep: number; most: number }): Promise<QuarantineDropped>;
  /** How many quarantined events were dropped since the store began, by age and by the cap. */
  quarantineDropped(): Promise<QuarantineDropped>;
  countEvents(): Promise<number>;
  /** Every stored event in time order (ties by messageId), page by page, for rebuilding the models at start-up. */
  scanEvents(pageSize?: number): AsyncIterable<StoredEvent[]>;
  /** The same, JSON columns left as text (exports), from `from` (included) to `to` (excluded) when given. */
  scanRawEvents(pageSize?: number, range?: { from?: number; to?: number }): AsyncIterable<RawEvent[]>;
  /** Adds to the count of events that clients dropped before they could send them. */
  addClientDropped(n: number): Promise<void>;
  clientDropped(): Promise<number>;
}

export interface CatalogStore {
  /** Creates or updates products; returns how many. */
  upsertItems(items: CatalogItem[]): Promise<number>;
  /** Every product, by id. */
  listItems(): Promise<CatalogItem[]>;
  /** Removes products from the catalog; returns how many there were. */
  deleteItems(ids: string[]): Promise<number>;
}

/** Days (YYYY-MM-DD, both ends included) and a slot, each when given. */
export interface SlotReportQuery {
  from?: string;
  to?: string;
  slot?: string;
}

export interface SlotStore {
  /** Every slot, by name. */
  listSlots(): Promise<Slot[]>;
  /** Creates or replaces a slot; true when it is new. */
  putSlot(name: string, config: SlotConfig, at: number): Promise<boolean>;
  /** Removes a slot; false when there was none. */
  deleteSlot(name: string): Promise<boolean>;
  /** Adds to the per-slot, per-day counters, and records attributed orders. */
  addSlotStats(stats: SlotStats[], attributions: AttributedOrder[]): Promise<void>;
  /** The counters of the days asked for, of one slot or all, by day and slot. */
  slotReport(query: SlotReportQuery): Promise<SlotStats[]>;
}

/** The merchant's experiments (their exposures and outcomes are events, kept by the EventStore). */
export interface ExperimentStore {
  /** Every experiment, oldest first. */
  listExperiments(): Promise<ExperimentRecord[]>;
  /** Creates or replaces the experiment of the record's id. */
  saveExperiment(record: ExperimentRecord): Promise<void>;
}

/** A webhook to send: its id is the same on every attempt (Standard Webhooks' webhook-id). */
export interface Delivery {
  id: string;
  subscriptionId: string;
  /** The customer it is about, for order per customer (null: about no customer, an experiment's decision). */
  customerId: string | null;
  type: string;
  /** The JSON body, as signed and sent. */
  payload: string;
  createdAt: number;
  /** When its next attempt is due; null once delivered or given up. */
  dueAt: number | null;
  attempts: number;
  state: 'pending' | 'delivered' | 'failed';
}

/** One attempt at a delivery, for the log. */
export interface DeliveryAttempt {
  deliveryId: string;
  at: number;
  status: number | null;
  durationMs: number;
  /** The first KB of the answer, or why there was none. */
  excerpt: string;
}

/**
 * Webhook subscriptions and the durable outbox: a delivery is written before it is attempted, each attempt is
 * recorded, and a delivery is only ever marked delivered after a 2xx: a crash at any moment leaves it pending.
 */
export interface WebhookStore {
  listSubscriptions(): Promise<SubscriptionRecord[]>;
  /** Creates or replaces the subscription of the record's id. */
  saveSubscription(record: SubscriptionRecord): Promise<void>;
  /** Removes a subscription and its deliveries. */
  deleteSubscription(id: string): Promise<void>;
  /**
   * Adds deliveries, durably, pending (counted so at once); one whose id is kept already is not added again. An
   * engine may keep them aside until dueDeliveries takes them up: they are listed, attempted and replayed from then.
   */
  enqueueDeliveries(deliveries: readonly Delivery[]): Promise<void>;
  /**
   * Pending deliveries of enabled subscriptions due by `now`, the earliest due first (then in the order queued), at
   * most `limit`, and none of a customer (for a subscription) while an earlier delivery about them is still pending:
   * in order per customer.
   */
  dueDeliveries(now: number, limit: number): Promise<Delivery[]>;
  /** The next time a pending delivery of an enabled subscription is due, or null. */
  nextDueAt(): Promise<number | null>;
  /** Records an attempt and the delivery's new state (delivered; due again at `dueAt`; or failed for good). */
  recordAttempt(attempt: DeliveryAttempt, next: Pick<Delivery, 'state' | 'dueAt' | 'attempts'>): Promise<void>;
  /** The same for several attempts, written together (one commit for a dispatcher's round of requests). */
  recordAttempts(attempts: readonly { attempt: DeliveryAttempt; next: Pick<Delivery, 'state' | 'dueAt' | 'attempts'> }[]): Promise<void>;
  /** A subscription's deliveries, newest first, with their attempts; `from`/`to` on the creation time. */
  listDeliveries(query: { subscriptionId: string; from?: number; to?: number; state?: Delivery['state']; limit: number; offset?: number }): Promise<(Delivery & { log: DeliveryAttempt[] })[]>;
  /** Makes deliveries pending again, due at `now` (a replay): by id, or a subscription's created in a range. */
  replayDeliveries(query: { subscriptionId: string; ids?: readonly string[]; from?: number; to?: number }, now: number): Promise<number>;
  /** The latest receivedAt of the orders whose deliveries are queued (null before the first); and setting it. */
  orderWatermark(): Promise<number | null>;
  setOrderWatermark(receivedAt: number): Promise<void>;
  /**
   * Counts per state for each subscription, for /health and the dashboard (a delivery queued twice, by a refit
   * redone after a crash, may count twice as pending until the dispatcher takes it up).
   */
  deliveryCounts(): Promise<Map<string, Record<Delivery['state'], number>>>;
}

export interface IdentityStore {
  /** Ties anonymous ids to users; a later tie of the same id replaces the earlier. */
  linkIdentities(links: readonly IdentityLink[]): Promise<void>;
  /** anonymousId -> userId, every tie kept. */
  listIdentities(): Promise<Map<string, string>>;
}

/** What the last refit found, kept so that a restart serves it at once. */
export interface SnapshotStore {
  /** Replaces the segments and every customer's assignment with the latest refit's. */
  saveSegments(segments: StoredSegments): Promise<void>;
  loadSegments(): Promise<StoredSegments | null>;
  /** Replaces the customer values (CLV, P(alive), RFM...) with the latest refit's. */
  saveValues(values: StoredValues): Promise<void>;
  loadValues(): Promise<StoredValues | null>;
}

/** A customer's change of lifecycle stage, at the start of the day (UTC, ms) it happened. */
export interface StoredStageChange {
  customerId: string;
  at: number;
  from: Stage | null;
  to: Stage;
}

/** One customer's value as of a refit: kept when it changed (the stage, the churn tier, or CLV by 5% or more). */
export interface ValueHistoryRow {
  customerId: string;
  at: number;
  clv: number | null;
  churnRisk: ChurnRisk | null;
  stage: Stage | null;
}

/** The whole base as of one refit. */
export interface ProgressPoint {
  at: number;
  customers: number;
  clv: number;
  expectedPurchases: number;
  byStage: Partial<Record<Stage, number>>;
  byChurnRisk: Partial<Record<ChurnRisk, number>>;
}

export interface StageChangeQuery {
  customerId?: string;
  /** Changes to this stage only. */
  stage?: Stage;
  from?: number;
  to?: number;
  limit: number;
  offset?: number;
}

/** The value's progression: what the refits found, kept refit after refit. */
export interface ProgressStore {
  /** Adds stage changes; one already kept (same customer, day and stage) is not added again. */
  addStageChanges(changes: readonly StoredStageChange[]): Promise<void>;
  /** Stage changes, newest first. */
  listStageChanges(query: StageChangeQuery): Promise<StoredStageChange[]>;
  /** Customers moving from one stage to another, per period (`bucket` of BUCKET's: the period's number). */
  stageFlows(query: { from?: number; to?: number; bucket: 'day' | 'week' | 'month' }): Promise<{ period: number; from: Stage | null; to: Stage; customers: number }[]>;
  addValueHistory(rows: readonly ValueHistoryRow[]): Promise<void>;
  /** One customer's kept values, oldest first. */
  valueHistoryOf(customerId: string): Promise<ValueHistoryRow[]>;
  /** Each customer's last kept value at or before `at`. */
  valuesAsOf(at: number): Promise<Map<string, ValueHistoryRow>>;
  addProgress(point: ProgressPoint): Promise<void>;
  /** The base as of each refit in the range, oldest first. */
  listProgress(query: { from?: number; to?: number }): Promise<ProgressPoint[]>;
}

/** The analysts' questions the in-memory event log cannot answer: filters on type, a person, a product or any property. */
export interface EventQueryStore {
  /** Counts, unique people and revenue of the stored events, filtered, bucketed by time and grouped. */
  queryEvents(query: EventQuery): Promise<EventQueryRow[]>;
  topProducts(query: TopProductsQuery): Promise<TopProductRow[]>;
}

/** A person's id, hashed (HMAC-SHA-256 under the store's hashKey, hex): what the suppression list and the records of requests keep. */
export type IdHash = string;

/** A person whose further events are dropped at ingest: deleted, or opted out. */
export interface Suppression {
  hash: IdHash;
  reason: 'deleted' | 'opted-out';
  at: number;
}

/** A request to forget a person, as it goes: pending (their ids kept until done), done, verified. */
export interface DeletionRecord {
  id: string;
  status: 'pending' | 'done' | 'verified';
  requestedAt: number;
  /** Who asked (the role and a fingerprint of the key), for the audit log. */
  actor: string;
  /** Every id linked to the person while pending; emptied once done (their hashes stay). */
  ids: string[];
  hashes: IdHash[];
  doneAt: number | null;
  /** Rows removed, by place. */
  removed: Record<string, number>;
  verifiedAt: number | null;
  /** Where the last verification still found an id (a table, a file), when it found one. */
  foundIn: string[];
  /** What the last verification could not check, and why (an id inside other stored values, a busy log). */
  caveats?: string[];
}

/** An export or a deletion: who, when, what (ids only as hashes: the log must not keep what was forgotten). */
export interface AuditEntry {
  at: number;
  actor: string;
  action: 'export' | 'delete' | 'deleted' | 'verified' | 'suppress' | 'unsuppress' | 'retention';
  /** The request's id or the subject's hashes. */
  subject: string;
  detail: Record<string, unknown>;
}

/** What the store keeps about a person besides their events (`ids`: every identity linked to them). */
export interface PersonRows {
  identities: IdentityLink[];
  quarantined: (QuarantinedEvent & { id: number })[];
  values: Record<string, unknown>[];
  valueHistory: ValueHistoryRow[];
  stageChanges: StoredStageChange[];
  segments: { customerId: string; segmentId: number; updatedAt: number }[];
  attributions: AttributedOrder[];
  deliveries: (Delivery & { log: DeliveryAttempt[] })[];
}

/**
 * A person's data on request (GDPR articles 15 and 17): found, exported and removed from every place the engine
 * keeps it, its own journals and files included, with the engine's secure delete; the suppression list, the
 * requests and the audit log; and the retention of old events. Each call works in slices that hold nothing up
 * for more than a few milliseconds.
 */
export interface PeopleStore {
  /**
   * Everything kept about the person: their events (those naming any of `ids` as anonymousId or userId, and no
   * other user), in the order stored, and the rest.
   */
  personData(ids: readonly string[]): Promise<PersonRows & { events: RawEvent[] }>;
  /** Removes every row naming any of `ids` and every journal record before now; rows removed by place. */
  forgetPerson(ids: readonly string[]): Promise<Record<string, number>>;
  /**
   * Where any of `ids` is still found (`foundIn`: [] when nowhere), the files' bytes searched after the engine's
   * secure delete; `caveats`: what the search could not check, and why.
   */
  findPerson(ids: readonly string[]): Promise<{ foundIn: string[]; caveats: string[] }>;
  /** The key the store's hashes of ids are made under (made at the first call, then kept). */
  hashKey(): Promise<string>;
  listSuppressions(): Promise<Suppression[]>;
  suppress(rows: readonly Suppression[]): Promise<void>;
  /** false when the hash was not suppressed. */
  unsuppress(hash: IdHash): Promise<boolean>;
  /** Adds to the count of events dropped because their person is suppressed; and reads it. */
  addSuppressedDropped(n: number): Promise<void>;
  suppressedDropped(): Promise<number>;
  saveDeletion(record: DeletionRecord): Promise<void>;
  /** Newest first; those of one status when given. */
  listDeletions(status?: DeletionRecord['status']): Promise<DeletionRecord[]>;
  getDeletion(id: string): Promise<DeletionRecord | undefined>;
  addAudit(entry: AuditEntry): Promise<void>;
  /** Newest first, `limit` of them from before the id `beforeId` when given. */
  listAudit(limit: number, beforeId?: number): Promise<(AuditEntry & { id: number })[]>;
  /**
   * Retention: the people (as identities resolve them: the user an anonymous id is tied to) of the oldest events
   * before `before`, at most `most` of them, and every event of theirs (old and kept alike) in the order stored.
   */
  oldestPeople(before: number, most: number): Promise<{ people: string[]; events: RawEvent[] }>;
  /** Removes these people's events stored with a timestamp before `before`; returns how many. */
  pruneEventsOf(people: readonly string[], before: number): Promise<number>;
  /** Removes what else is kept by time from before `before` (attributions, the webhook delivery log), at most `most` rows of each. */
  pruneOlderThan(before: number, most: number): Promise<Record<string, number>>;
}

/** Bytes of a journal segment that held no whole record: skipped when it was read, told, and kept. */
export interface DamagedSegment {
  /** The segment's file name in the journal folder, and the name it is kept under beside it once set aside. */
  segment: string;
  keptAs: string | null;
  /** Where the damage starts and how long it runs; null for a segment an earlier run kept without writing it down. */
  offset: number | null;
  skippedBytes: number | null;
  /** How many records the damage took, at least (records of an older journal are not counted). */
  records: number | null;
  /** The damage runs to the segment's end, as a write cut short by a crash does too (that one never acknowledged). */
  atEnd: boolean | null;
  /** When the damage was found (ISO 8601): this run, or an earlier one whose kept segment is still there. */
  foundAt: string;
}

/** What an engine knows of itself, answered at once without touching the disk, so /health never waits. */
export interface StoreCondition {
  /** Why writes cannot be stored now (a full disk, say), or null while they can. */
  unwritable: string | null;
  /** What is wrong, each in a sentence for the operator (the reason writes fail first). */
  problems: string[];
  /** Damage found in the ingest journal since the store opened (none for an engine without one). */
  journal: { damaged: DamagedSegment[] };
}

/**
 * The engine cannot store writes now (its disk is full, say): nothing of the call that was refused is
 * acknowledged, and the same call may succeed later. Reads that must wait for the writes before them refuse too.
 */
export class StorageUnavailable extends Error {
  override name = 'StorageUnavailable';
}

/** A whole store: every role, and its life cycle. */
export interface Store extends EventStore, CatalogStore, SlotStore, ExperimentStore, WebhookStore, IdentityStore, SnapshotStore, ProgressStore, EventQueryStore, PeopleStore {
  condition(): StoreCondition;
  /** The setting another thread opens this store's outbox from (the dispatcher's), or null: only here (in memory). */
  readonly shareable: string | null;
  /**
   * Resolves once every write acknowledged before the call can be read back (an engine that writes behind its
   * acknowledgements, as the SQLite store's journal does, catches up first). Reads call it themselves.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}
