// The SQLite store's catalog: products by id, written on the main connection (merchant edits are rare and small).

import type Database from 'better-sqlite3';
import type { CatalogItem } from '../../domain/catalog-item';
import type { CatalogStore } from '../store';

export function sqliteCatalog(db: Database.Database): CatalogStore {
  const upsertItem = db.prepare(`
    INSERT INTO items (id, name, url, image, price, currency, category, in_stock, attributes, updated_at)
    VALUES (@id, @name, @url, @image, @price, @currency, @category, @in_stock, @attributes, @updated_at)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, url = excluded.url, image = excluded.image,
      price = excluded.price, currency = excluded.currency, category = excluded.category,
      in_stock = excluded.in_stock, attributes = excluded.attributes, updated_at = excluded.updated_at`);
  const upsertItems = db.transaction((items: CatalogItem[]) => {
    const now = Date.now();
    for (const item of items) {
      upsertItem.run({
        id: item.id,
        name: item.name,
        url: item.url ?? null,
        image: item.image ?? null,
        price: item.price ?? null,
        currency: item.currency ?? null,
        category: item.category ?? null,
        in_stock: item.in_stock ? 1 : 0,
        attributes: JSON.stringify(item.attributes),
        updated_at: now,
      });
    }
    return items.length;
  });

  return {
    async upsertItems(items) {
      return upsertItems(items);
    },
    async listItems() {
      const rows = db.prepare('SELECT * FROM items ORDER BY id').all() as Record<string, unknown>[];
      return rows.map((r) => ({
        id: r.id as string,
        name: r.name as string,
        ...(r.url !== null ? { url: r.url as string } : {}),
        ...(r.image !== null ? { image: r.image as string } : {}),
        ...(r.price !== null ? { price: r.price as number } : {}),
        ...(r.currency !== null ? { currency: r.currency as string } : {}),
        ...(r.category !== null ? { category: r.category as string } : {}),
        in_stock: r.in_stock === 1,
        attributes: JSON.parse(r.attributes as string) as CatalogItem['attributes'],
      }));
    },
    async deleteItems(ids) {
      const remove = db.prepare('DELETE FROM items WHERE id = ?');
      return db.transaction(() => ids.reduce((n, id) => n + remove.run(id).changes, 0))();
    },
  };
}
