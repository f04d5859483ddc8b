// A recommendation slot as the admin API reads and writes it, and the text forms the editor's fields give to
// its lists (comma-separated entries, boosters as `target=weight`).

export interface Booster {
  weight: number;
  category?: string;
  attribute?: { name: string; value: string | number | boolean };
}

export interface SlotConfig {
  strategy: string;
  description?: string;
  limit: number;
  similarity: string;
  minSupport: number;
  filters: { categoryIn?: string[]; categoryNotIn?: string[]; priceMin?: number; priceMax?: number; inStockOnly: boolean; excludePurchased: boolean; excludeCart: boolean };
  boosters: Booster[];
  pinned: { item: string; position: number }[];
  maxPerCategory?: number;
  fallback: string[];
}

export interface Slot extends SlotConfig {
  name: string;
  updatedAt: string;
}

/** The entries of a comma-separated field, trimmed, the empty ones dropped. */
export const commaSeparated = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** `Coffee=1.5` boosts a category; `brand:Acme=2` an attribute (true, false and numbers typed as such). */
export function parseBoosters(text: string): Booster[] {
  return commaSeparated(text).map((entry) => {
    const eq = entry.lastIndexOf('=');
    const target = (eq === -1 ? entry : entry.slice(0, eq)).trim();
    const weight = eq === -1 ? Number.NaN : Number(entry.slice(eq + 1));
    const colon = target.indexOf(':');
    if (colon === -1) return { category: target, weight };
    const raw = target.slice(colon + 1).trim();
    const value = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    return { attribute: { name: target.slice(0, colon).trim(), value }, weight };
  });
}

export function formatBoosters(boosters: readonly Booster[]): string {
  return boosters.map((b) => `${b.category ?? `${b.attribute!.name}:${String(b.attribute!.value)}`}=${b.weight}`).join(', ');
}
