// What a slot shows a visitor: the slot's strategy, then its fallback chain, through its filters, boosters,
// pins and diversity cap, over the learner's models and the catalog.

import { randomUUID } from 'node:crypto';
import { composeSlot, eligible, type Recommendation, type Similarity, type SlotContext, type SlotRules } from '../../recommender';
import { STRATEGIES, type ExperimentVariant, type RecommendationResponse, type Strategy } from '../../sdk/wire';
import type { Catalog } from '../catalog/catalog';
import type { CustomerInsights } from '../customers/insights';
import type { Experiments } from '../experiments/experiments';
import { slotConfigSchema, type SlotConfig } from '../domain/slot-config';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Slots } from './slots';

export interface RecommendQuery {
  /** A merchant's slot (its configuration), or an ad-hoc strategy. */
  slot?: SlotConfig;
  strategy?: Strategy;
  item?: string;
  anonymousId?: string;
  userId?: string;
  limit?: number;
  similarity?: Similarity;
  /** Cart contents as the page knows them, added to what the collector inferred. */
  cart?: string[];
}

/** GET /v1/recommendations as the storefront asks: a slot by name, or a strategy; the cart comma-separated. */
export interface SlotRequest extends Omit<RecommendQuery, 'slot' | 'cart' | 'similarity'> {
  slot?: string;
  similarity?: string;
  cart?: string;
}

type Items = RecommendationResponse['items'];

interface Candidates {
  limit: number;
  measure: Similarity;
  minSupport: number;
  accept: (id: string) => boolean;
}

export class Recommendations {
  private readonly _adHocConfigs = new Map<Strategy, SlotConfig>();

  constructor(
    private readonly _learner: Learner,
    private readonly _catalog: Catalog,
    private readonly _slots: Slots,
    private readonly _insights: CustomerInsights,
    private readonly _identities: Identities,
    private readonly _experiments: Experiments,
  ) {}

  /**
   * A storefront's request: a named slot is the merchant's configuration; a slot named after a strategy works
   * without one. Undefined for a slot that is neither.
   */
  forRequest(request: SlotRequest): RecommendationResponse | undefined {
    const { slot: name, strategy, cart, similarity, ...rest } = request;
    let slot = name === undefined ? undefined : this._slots.get(name)?.config;
    if (name !== undefined && !slot && !(STRATEGIES as string[]).includes(name)) return undefined;
    // A held-out visitor gets no personalisation at all; the others may be in the slot's own experiment.
    const holdout = this._experiments.holdout(rest.anonymousId, rest.userId);
    const test = holdout?.held || name === undefined ? undefined : this._experiments.forSlot(name, rest.anonymousId, rest.userId);
    const experiments: ExperimentVariant[] = [holdout?.assigned, test?.assigned].filter((a) => a !== undefined);
    slot = test?.config ?? slot;
    const used = slot?.strategy ?? strategy ?? (name as Strategy);
    const unfilled = holdout?.held || test?.unfilled;
    const items = unfilled ? [] : this.recommend({ ...rest, slot, strategy: used, similarity: similarity as Similarity | undefined, cart: cart?.split(',').filter(Boolean) });
    return {
      recommendationId: randomUUID(),
      ...(name ? { slot: name } : {}),
      strategy: used,
      items,
      ...(experiments.length ? { experiments } : {}),
      ...(unfilled ? { unfilled: true as const } : {}),
    };
  }

  /** Recommends for a slot (or an ad-hoc strategy, whose only fallback is best sellers). */
  recommend(query: RecommendQuery): Items {
    const config = query.slot ?? this._adHoc(query.strategy ?? 'popular');
    const limit = query.limit ?? config.limit;
    const viewer = this._identities.viewerOf(query.anonymousId, query.userId, this._learner.knows);
    const m = this._learner.interactions;
    const rules: SlotRules = { limit, filters: config.filters, boosters: config.boosters, pinned: config.pinned, maxPerCategory: config.maxPerCategory };
    const cart = new Set([...(viewer ? m.cart(viewer) : []), ...(query.cart ?? [])]);
    const ctx: SlotContext = { anchor: query.item, purchased: viewer ? m.purchased(viewer) : undefined, cart };
    const factsOf = (id: string) => this._catalog.factsOf(id);
    // Deep enough that filters, boosters and the diversity cap still leave a full slot.
    const q: Candidates = {
      limit: limit * 5 + config.pinned.length + 10,
      measure: (query.similarity ?? config.similarity) as Similarity,
      minSupport: config.minSupport,
      accept: (id) => eligible(id, factsOf(id), rules, ctx),
    };
    const chain = [config.strategy, ...config.fallback.filter((s) => s !== config.strategy)];
    const lists: { source: string; items: Recommendation[] }[] = [];
    let composed: ReturnType<typeof composeSlot> = [];
    for (const strategy of chain) {
      lists.push({ source: strategy, items: this._candidates(strategy, q, query.item, viewer) });
      composed = composeSlot(lists, factsOf, rules, ctx);
      if (composed.length >= limit) break;
    }
    if (composed.length === 0) composed = composeSlot(lists, factsOf, rules, ctx); // only pins
    return composed.map((r, position) => this._itemOf(r, position));
  }

  /** One strategy's candidates, best first. */
  private _candidates(strategy: Strategy, q: Candidates, item: string | undefined, viewer: string | undefined): Recommendation[] {
    const m = this._learner.interactions;
    switch (strategy) {
      case 'also-bought':
        return item ? m.alsoBought(item, q) : [];
      case 'also-viewed':
        return item ? m.alsoViewed(item, q) : [];
      case 'for-you':
        return viewer ? m.forYou(viewer, q) : [];
      case 'recently-viewed':
        return viewer ? m.recentlyViewed(viewer, q) : [];
      case 'trending':
        return m.trending(q);
      case 'segment-top':
        return this._insights
          .segmentTopOf(viewer)
          .filter((r) => q.accept(r.id))
          .slice(0, q.limit);
      case 'popular':
        return m.popular(q);
    }
  }

  private _itemOf(r: ReturnType<typeof composeSlot>[number], position: number): Items[number] {
    const item = this._catalog.get(r.id)!;
    return {
      id: item.id,
      name: item.name,
      ...(item.url !== undefined ? { url: item.url } : {}),
      ...(item.image !== undefined ? { image: item.image } : {}),
      ...(item.price !== undefined ? { price: item.price } : {}),
      ...(item.currency !== undefined ? { currency: item.currency } : {}),
      ...(item.category !== undefined ? { category: item.category } : {}),
      score: r.score,
      position,
      source: r.source as Strategy | 'pinned',
    };
  }

  /** A request naming a strategy rather than a slot: 10 products, best sellers as the only fallback. */
  private _adHoc(strategy: Strategy): SlotConfig {
    let config = this._adHocConfigs.get(strategy);
    if (!config) this._adHocConfigs.set(strategy, (config = slotConfigSchema.parse({ strategy, limit: 10, fallback: ['popular'] })));
    return config;
  }
}
