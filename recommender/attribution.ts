// Which slot earned an order: an order in the same visit that contains a product clicked in a slot is
// attributed to that slot (the last click on the product wins), with the revenue of the clicked products.

export interface Click {
  slot: string;
  recommendationId?: string;
  at: number;
}

export interface OrderLine {
  productId: string;
  /** price x quantity */
  revenue: number;
}

export interface Attribution {
  slot: string;
  recommendationIds: string[];
  products: string[];
  revenue: number;
}

/** Clicks per visit, bounded: old visits are forgotten first. */
export class ClickLedger {
  private readonly _visits = new Map<string, Map<string, Click>>();

  constructor(private readonly _maxVisits = 100_000) {}

  click(visit: string, productId: string, click: Click): void {
    let clicks = this._visits.get(visit);
    if (!clicks) {
      if (this._visits.size >= this._maxVisits) this._visits.delete(this._visits.keys().next().value!);
      this._visits.set(visit, (clicks = new Map<string, Click>()));
    }
    const previous = clicks.get(productId);
    if (!previous || previous.at <= click.at) clicks.set(productId, click);
  }

  /**
   * A visit known by one id is known by another from now on (a shopper's anonymous id tied to their user):
   * its clicks move there, the latest click on each product winning.
   */
  alias(from: string, to: string): void {
    const moved = this._visits.get(from);
    if (!moved || from === to) return;
    this._visits.delete(from);
    for (const [productId, click] of moved) this.click(to, productId, click);
  }

  /** Forgets the clicks of these visits (a person deleted on request). */
  forget(visits: Iterable<string>): void {
    for (const visit of visits) this._visits.delete(visit);
  }

  /** The slots an order in `visit` is attributed to, one entry per slot. */
  attribute(visit: string, lines: readonly OrderLine[], at: number): Attribution[] {
    const clicks = this._visits.get(visit);
    if (!clicks) return [];
    const bySlot = new Map<string, Attribution>();
    for (const line of lines) {
      const click = clicks.get(line.productId);
      if (!click || click.at > at) continue;
      let a = bySlot.get(click.slot);
      if (!a) bySlot.set(click.slot, (a = { slot: click.slot, recommendationIds: [], products: [], revenue: 0 }));
      if (click.recommendationId && !a.recommendationIds.includes(click.recommendationId)) a.recommendationIds.push(click.recommendationId);
      a.products.push(line.productId);
      a.revenue += line.revenue;
    }
    return [...bySlot.values()];
  }
}
