// A slot's business rules applied to ranked candidates: catalog and filters, boosters, a diversity cap,
// pinned items, and a fallback chain so that a slot is never empty on a cold item. Pure: lists in, list out.

import type { Recommendation } from './interactions';

export interface SlotFilters {
  categoryIn?: string[];
  categoryNotIn?: string[];
  priceMin?: number;
  priceMax?: number;
  /** Default true: an out-of-stock product is never served. */
  inStockOnly?: boolean;
  excludePurchased?: boolean;
  excludeCart?: boolean;
}

export interface Booster {
  /** Multiplies the score of matching products: above 1 promotes, below 1 demotes. */
  weight: number;
  category?: string;
  attribute?: { name: string; value: string | number | boolean };
}

export interface SlotRules {
  limit: number;
  filters?: SlotFilters;
  boosters?: Booster[];
  /** Products placed at fixed positions (0 is first), whatever the strategy says. */
  pinned?: { item: string; position: number }[];
  /** At most this many products of one category. */
  maxPerCategory?: number;
}

/** What the catalog says of a product; undefined when it is not in the catalog (deleted). */
export interface ItemFacts {
  category?: string;
  price?: number;
  inStock: boolean;
  attributes: Record<string, string | number | boolean>;
}

export interface SlotContext {
  /** The product the slot is about: never recommended. */
  anchor?: string;
  purchased?: ReadonlySet<string>;
  cart?: ReadonlySet<string>;
}

export interface SlotItem {
  id: string;
  score: number;
  /** The strategy that produced it, or 'pinned'. */
  source: string;
}

/** Whether a product may be served in this slot at all. */
export function eligible(id: string, facts: ItemFacts | undefined, rules: SlotRules, ctx: SlotContext): boolean {
  if (!facts || id === ctx.anchor) return false;
  const f = rules.filters ?? {};
  if (f.inStockOnly !== false && !facts.inStock) return false;
  if (f.categoryIn?.length && (facts.category === undefined || !f.categoryIn.includes(facts.category))) return false;
  if (f.categoryNotIn?.length && facts.category !== undefined && f.categoryNotIn.includes(facts.category)) return false;
  if (f.priceMin !== undefined && !(facts.price !== undefined && facts.price >= f.priceMin)) return false;
  if (f.priceMax !== undefined && !(facts.price !== undefined && facts.price <= f.priceMax)) return false;
  if (f.excludePurchased && ctx.purchased?.has(id)) return false;
  if (f.excludeCart && ctx.cart?.has(id)) return false;
  return true;
}

export function boost(score: number, facts: ItemFacts, boosters: readonly Booster[] = []): number {
  let s = score;
  for (const b of boosters) {
    const byCategory = b.category === undefined || b.category === facts.category;
    const byAttribute = b.attribute === undefined || facts.attributes[b.attribute.name] === b.attribute.value;
    if (byCategory && byAttribute && (b.category !== undefined || b.attribute !== undefined)) s *= b.weight;
  }
  return s;
}

/**
 * Composes a slot from candidate lists in priority order (the slot's strategy first, then its fallbacks).
 * Boosters reorder within a list; a later list only fills what the earlier ones could not.
 */
export function composeSlot(
  lists: readonly { source: string; items: readonly Recommendation[] }[],
  factsOf: (id: string) => ItemFacts | undefined,
  rules: SlotRules,
  ctx: SlotContext = {},
): SlotItem[] {
  const pins = (rules.pinned ?? []).filter((p) => {
    const facts = factsOf(p.item);
    // A pin overrides the filters, never the catalog: a deleted or (by default) out-of-stock pin is skipped.
    return facts && p.item !== ctx.anchor && (rules.filters?.inStockOnly === false || facts.inStock);
  });
  const pinnedIds = new Set(pins.map((p) => p.item));
  const seen = new Set<string>(pinnedIds);
  const perCategory = new Map<string, number>();
  const ranked: SlotItem[] = [];
  const room = rules.limit - pins.length;
  for (const { source, items } of lists) {
    if (ranked.length >= room) break;
    const boosted = items
      .map((r, order) => ({ r, order, facts: factsOf(r.id) }))
      .filter(({ r, facts }) => !seen.has(r.id) && eligible(r.id, facts, rules, ctx))
      .map(({ r, order, facts }) => ({ id: r.id, score: boost(r.score, facts!, rules.boosters), order, category: facts!.category }))
      .sort((a, b) => b.score - a.score || a.order - b.order);
    for (const c of boosted) {
      if (ranked.length >= room) break;
      if (seen.has(c.id)) continue;
      if (rules.maxPerCategory !== undefined && c.category !== undefined) {
        const n = perCategory.get(c.category) ?? 0;
        if (n >= rules.maxPerCategory) continue;
        perCategory.set(c.category, n + 1);
      }
      seen.add(c.id);
      ranked.push({ id: c.id, score: c.score, source });
    }
  }
  // Pins go to their positions; the ranked items fill the rest in order.
  const out: SlotItem[] = [];
  const byPosition = [...pins].sort((a, b) => a.position - b.position);
  let next = 0;
  while (out.length < rules.limit && (next < ranked.length || byPosition.length)) {
    if (byPosition.length && (byPosition[0].position <= out.length || next >= ranked.length)) {
      const pin = byPosition.shift()!;
      out.push({ id: pin.item, score: 0, source: 'pinned' });
    } else {
      out.push(ranked[next++]);
    }
  }
  return out;
}
