// What slots did: their views and clicks per day, and the orders they earned (an order in the same visit that
// holds a product clicked in a slot, recommender/attribution.ts), counted as events arrive and kept by the store.

import { ClickLedger } from '../../recommender';
import type { StoredEvent } from '../domain/stored-event';
import type { Identities } from '../identity/identities';
import type { AttributedOrder, IdentityLink, SlotReportQuery, SlotStats, SlotStore } from '../store/store';

/** What a batch of new events adds to the slot reports. */
export interface ReportDeltas {
  stats: SlotStats[];
  attributions: AttributedOrder[];
}

export type SlotReportRow = SlotStats & { ctr: number };

/** The report day (UTC, YYYY-MM-DD) of a time. */
const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

const ctrOf = (s: { impressions: number; clicks: number }) => (s.impressions ? s.clicks / s.impressions : 0);

export class Attribution {
  private readonly _clicks = new ClickLedger();

  constructor(
    private readonly _store: SlotStore,
    private readonly _identities: Identities,
  ) {}

  /**
   * Counts what new events add to the slot reports; clicks are remembered for the orders that follow. `links`:
   * the ties these events made (identities.newLinks), which the clicks of an anonymous visit follow, so a click
   * and an order of one person meet whichever id each was sent under, live as after a restart.
   */
  observe(events: readonly StoredEvent[], links: readonly IdentityLink[] = []): ReportDeltas {
    for (const link of links) this._clicks.alias(link.anonymousId, link.userId);
    // Made only when a slot event or an attributed order arrives: most batches have neither.
    let stats: Map<string, SlotStats> | undefined;
    let attributions: AttributedOrder[] | undefined;
    for (const e of events) {
      if (e.type !== 'track') continue;
      const p = e.properties;
      const slot = typeof p.slot === 'string' ? p.slot : undefined;
      if (slot && (e.event === 'Recommendation Viewed' || e.event === 'Recommendation Clicked')) {
        const s = statsOf((stats ??= new Map<string, SlotStats>()), dayOf(e.timestamp), slot);
        if (e.event === 'Recommendation Viewed') s.impressions++;
        else s.clicks++;
      }
      if (e.event === 'Recommendation Clicked' && typeof p.slot === 'string') this._click(e, p.slot);
      if (e.event !== 'Order Completed') continue;
      const lines = (p.products ?? []).map((x) => ({ productId: (x.product_id ?? x.sku)!, revenue: (x.price ?? 0) * (x.quantity ?? 1) }));
      for (const a of this._clicks.attribute(this._visitOf(e), lines, e.timestamp)) {
        const s = statsOf((stats ??= new Map<string, SlotStats>()), dayOf(e.timestamp), a.slot);
        s.orders++;
        s.revenue += a.revenue;
        (attributions ??= []).push({ orderId: p.order_id ?? null, slot: a.slot, recommendationIds: a.recommendationIds, products: a.products, revenue: a.revenue, at: e.timestamp });
      }
    }
    return { stats: stats ? [...stats.values()] : [], attributions: attributions ?? [] };
  }

  /** Remembers the clicks among stored events, counting nothing (a restart: the counts are stored already). */
  replay(events: readonly StoredEvent[]): void {
    for (const e of events) {
      if (e.type === 'track' && e.event === 'Recommendation Clicked' && typeof e.properties.slot === 'string') this._click(e, e.properties.slot);
    }
  }

  private _click(e: StoredEvent, slot: string): void {
    const p = e.properties;
    this._clicks.click(this._visitOf(e), (p.product_id ?? p.sku)!, { slot, recommendationId: p.recommendation_id, at: e.timestamp });
  }

  /** Attribution works per visit: the SDK's session id, else the shopper. */
  private _visitOf(e: StoredEvent): string {
    return e.sessionId ?? this._identities.personOf(e.anonymousId, e.userId)!;
  }

  /** Forgets the clicks of a person (deleted on request): of their ids and of the sessions of their events. */
  forget(ids: readonly string[], events: readonly StoredEvent[]): void {
    this._clicks.forget([...ids, ...events.flatMap((e) => e.sessionId ?? [])]);
  }

  async save(deltas: ReportDeltas): Promise<void> {
    if (deltas.stats.length || deltas.attributions.length) await this._store.addSlotStats(deltas.stats, deltas.attributions);
  }

  /** Per slot and day, with the click-through rate, and each slot's totals over the days asked for. */
  async report(query: SlotReportQuery): Promise<{ days: SlotReportRow[]; slots: (Omit<SlotStats, 'day'> & { ctr: number })[] }> {
    const days = (await this._store.slotReport(query)).map((r) => ({ ...r, ctr: ctrOf(r) }));
    const totals = new Map<string, Omit<SlotStats, 'day'>>();
    for (const r of days) {
      const t = totals.get(r.slot) ?? { slot: r.slot, impressions: 0, clicks: 0, orders: 0, revenue: 0 };
      t.impressions += r.impressions;
      t.clicks += r.clicks;
      t.orders += r.orders;
      t.revenue += r.revenue;
      totals.set(r.slot, t);
    }
    return { days, slots: [...totals.values()].map((t) => ({ ...t, ctr: ctrOf(t) })) };
  }
}

function statsOf(stats: Map<string, SlotStats>, day: string, slot: string): SlotStats {
  const key = `${day} ${slot}`;
  let s = stats.get(key);
  if (!s) stats.set(key, (s = { day, slot, impressions: 0, clicks: 0, orders: 0, revenue: 0 }));
  return s;
}
