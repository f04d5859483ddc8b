// The shop's catalog, kept in memory beside the store: what slots may show (a deleted product is never served
// again, from any strategy or fallback) and what their rules filter on.

import type { ItemFacts } from '../../recommender';
import type { CatalogItem } from '../domain/catalog-item';
import type { CatalogStore } from '../store/store';

export class Catalog {
  private readonly _items = new Map<string, CatalogItem>();
  /** What slot rules look at, per product: made once per catalog change, not per candidate. */
  private readonly _facts = new Map<string, ItemFacts>();
  /** Told the ids of products added or removed (the models rank only the catalog's products). */
  private readonly _listeners: ((ids: readonly string[]) => void)[] = [];

  constructor(private readonly _store: CatalogStore) {}

  async load(): Promise<void> {
    this._remember(await this._store.listItems());
  }

  /** Creates or updates products; returns how many. */
  async upsert(items: CatalogItem[]): Promise<number> {
    const upserted = await this._store.upsertItems(items);
    this._remember(items);
    return upserted;
  }

  /** Removes a product; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const removed = await this._store.deleteItems([id]);
    this._items.delete(id);
    this._facts.delete(id);
    this._tell([id]);
    return removed > 0;
  }

  list(): Promise<CatalogItem[]> {
    return this._store.listItems();
  }

  get(id: string): CatalogItem | undefined {
    return this._items.get(id);
  }

  factsOf(id: string): ItemFacts | undefined {
    return this._facts.get(id);
  }

  /** A product's category: the one an event gives, else the catalog's. */
  categoryOf(id: string | undefined, given?: string): string | undefined {
    return given ?? (id ? this._items.get(id)?.category : undefined);
  }

  get size(): number {
    return this._items.size;
  }

  /** Calls `listener` with the ids of the products that come or go from now on. */
  onChange(listener: (ids: readonly string[]) => void): void {
    this._listeners.push(listener);
  }

  private _remember(items: readonly CatalogItem[]): void {
    for (const item of items) {
      this._items.set(item.id, item);
      this._facts.set(item.id, { category: item.category, price: item.price, inStock: item.in_stock, attributes: item.attributes });
    }
    this._tell(items.map((item) => item.id));
  }

  private _tell(ids: readonly string[]): void {
    for (const listener of this._listeners) listener(ids);
  }
}
