// What Patron knows of each customer as of the last refit: their segment, and once they have bought, their
// value (CLV, P(alive), churn risk, RFM); with each segment's best sellers for the segment-top strategy.

import { lifecycleThresholds, stageOn, type CustomerValue, type LifecycleThresholds, type Recommendation, type Segment, type Stage } from '../../recommender';
import type { SegmentInfo } from '../../sdk/wire';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Assignments, SnapshotStore, StoredSegments, StoredValues } from '../store/store';

export interface ValueSnapshot {
  customers: Iterable<CustomerValue>;
  model: StoredValues['model'] | null;
  updatedAt: number;
  count: number;
}

const DEFAULT_LIFECYCLE = lifecycleThresholds([]);

export class CustomerInsights {
  private _segments: Segment[] = [];
  private _assignments: Assignments = new Map<string, number>();
  private _values = new Map<string, CustomerValue>();
  private _valueModel: StoredValues['model'] | null = null;
  private _valuesAt = 0;
  /** Best sellers within each segment, recomputed at each refit. */
  private _segmentTop = new Map<number, Recommendation[]>();

  constructor(
    private readonly _learner: Learner,
    private readonly _identities: Identities,
    private readonly _log: (message: string) => void,
  ) {}

  /** The last refit's segments and values; false when the store has not both (a refit is due). */
  async load(store: SnapshotStore): Promise<boolean> {
    const [segments, values] = await Promise.all([store.loadSegments(), store.loadValues()]);
    if (segments) this._setSegments(segments);
    if (values) this._setValues(values);
    return segments !== null && values !== null;
  }

  /** A refit's results, once the store has them. */
  apply(segments: StoredSegments, values: StoredValues): void {
    this._setValues(values);
    this._setSegments(segments);
    this.rankSegmentTop();
  }

  /** Each segment's best sellers among its members' purchases: after a refit, and once the models are rebuilt. */
  rankSegmentTop(): void {
    const members = new Map<number, string[]>();
    // Only buyers have sales to count: walking every assigned visitor (a million after a flood) found none more.
    for (const customer of this._learner.customers.buyerIds()) {
      const segment = this._assignments.get(customer);
      if (segment === undefined) continue;
      // Appended in place: a copy per member made this quadratic (minutes on the main thread at 500,000 customers).
      const ids = members.get(segment);
      if (ids) ids.push(customer);
      else members.set(segment, [customer]);
    }
    this._segmentTop = new Map(
      [...members].map(([segment, ids]) => [segment, [...this._learner.interactions.salesAmong(ids)].map(([id, n]) => ({ id, score: n })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))]),
    );
  }

  get segments(): readonly Segment[] {
    return this._segments;
  }

  /** The segment id of each customer, as of the last refit. */
  segmentIdOf(customerId: string): number | undefined {
    return this._assignments.get(customerId);
  }

  /** A customer's segment (id, slug, label), as of the last refit. */
  segmentInfoOf(customerId: string | undefined): SegmentInfo | null {
    const id = customerId === undefined ? undefined : this._assignments.get(customerId);
    const segment = id === undefined ? undefined : this._segments.find((s) => s.id === id);
    return segment ? { id: segment.id, slug: segment.slug, label: segment.label } : null;
  }

  /** The segment of the visitor a storefront request is about. */
  segmentOf(anonymousId?: string, userId?: string): SegmentInfo | null {
    return this.segmentInfoOf(this._identities.viewerOf(anonymousId, userId, this._learner.knows));
  }

  /** The best sellers of a customer's segment (none before a refit has placed them). */
  segmentTopOf(customerId: string | undefined): Recommendation[] {
    const segment = customerId === undefined ? undefined : this._assignments.get(customerId);
    return segment === undefined ? [] : (this._segmentTop.get(segment) ?? []);
  }

  /** A buyer's CLV, P(alive), churn risk and RFM, as of the last refit. */
  valueOf(customerId: string): CustomerValue | undefined {
    return this._values.get(customerId);
  }

  /**
   * A buyer's lifecycle stage now, read off their purchase days as they arrive (an order since the last refit
   * counts at once; the thresholds are the last refit's, the shop's own gaps); null before any purchase.
   */
  stageOf(customerId: string, now = Date.now()): Stage | null {
    return stageOn(this._learner.customers.purchaseDaysOf(customerId), Math.floor(now / 86_400_000), this.lifecycle);
  }

  /** When a customer is at risk and lapsed: the last refit's thresholds, or the defaults before one. */
  get lifecycle(): LifecycleThresholds {
    return this._valueModel?.lifecycle ?? DEFAULT_LIFECYCLE;
  }

  /** Every buyer's value, the models they came from, and when. */
  get values(): ValueSnapshot {
    return { customers: this._values.values(), model: this._valueModel, updatedAt: this._valuesAt, count: this._values.size };
  }

  /** What the shop may know about a visitor: their segment and, once they have bought, their value. */
  profileOf(anonymousId?: string, userId?: string): { customerId?: string; segment: SegmentInfo | null; value?: CustomerValue } {
    const customerId = this._identities.viewerOf(anonymousId, userId, this._learner.knows);
    return { customerId, segment: this.segmentInfoOf(customerId), value: customerId === undefined ? undefined : this._values.get(customerId) };
  }

  /** Forgets customers (deleted on request): their value and segment. */
  forget(ids: readonly string[]): void {
    for (const id of ids) {
      this._values.delete(id);
      this._assignments.delete(id);
    }
  }

  /** New values; the models' errors are told when they change (a shop without repeat buyers, say). */
  private _setValues(values: StoredValues): void {
    const before = this._valueModel?.errors.join();
    this._values = new Map(values.customers.map((c) => [c.id, c]));
    this._valueModel = values.model;
    this._valuesAt = values.updatedAt;
    if (values.model.errors.join() !== before) for (const error of values.model.errors) this._log(`customer value: ${error}`);
  }

  private _setSegments(segments: StoredSegments): void {
    this._segments = segments.segments;
    this._assignments = segments.assignments;
  }
}
