// The merchants' slot editor: create and edit recommendation slots through the admin API, and preview what a
// slot would show on a product page, to a visitor, with a cart. The collector validates; its issues are shown
// next to the form, field by field.

import { type Api, ApiError, byId, el } from './api';

interface Booster {
  weight: number;
  category?: string;
  attribute?: { name: string; value: string | number | boolean };
}

interface SlotConfig {
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

interface Slot extends SlotConfig {
  name: string;
  updatedAt: string;
}

interface Recommendation {
  recommendationId: string;
  items: { id: string; name: string; image?: string; price?: number; category?: string; source: string; position: number }[];
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const numberOr = (value: string) => (value.trim() === '' ? undefined : Number(value));

/** `Coffee=1.5` boosts a category; `brand:Acme=2` an attribute (true, false and numbers typed as such). */
export function parseBoosters(text: string): Booster[] {
  return list(text).map((entry) => {
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

export function createSlotEditor(api: Api) {
  const form = byId<HTMLFormElement>('slot-form');
  const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const select = (name: string) => form.elements.namedItem(name) as HTMLSelectElement;
  let current: string | undefined;

  function showErrors(error: unknown) {
    const ul = byId('errors');
    ul.replaceChildren();
    if (!error) return;
    const issues = error instanceof ApiError && error.issues.length ? error.issues : [{ path: '', message: (error as Error).message }];
    ul.append(...issues.map((i) => el('li', {}, `${i.path ? `${i.path}: ` : ''}${i.message}`)));
  }

  function toConfig(): SlotConfig {
    const config: SlotConfig = {
      strategy: select('strategy').value,
      limit: Number(input('limit').value),
      similarity: select('similarity').value,
      minSupport: Number(input('minSupport').value),
      filters: { inStockOnly: input('inStockOnly').checked, excludePurchased: input('excludePurchased').checked, excludeCart: input('excludeCart').checked },
      boosters: parseBoosters(input('boosters').value),
      pinned: list(input('pinned').value).map((p) => {
        const [item, position = '0'] = p.split('@');
        return { item: item.trim(), position: Number(position) };
      }),
      fallback: list(input('fallback').value),
    };
    const description = input('description').value.trim();
    if (description) config.description = description;
    if (list(input('categoryIn').value).length) config.filters.categoryIn = list(input('categoryIn').value);
    if (list(input('categoryNotIn').value).length) config.filters.categoryNotIn = list(input('categoryNotIn').value);
    const priceMin = numberOr(input('priceMin').value);
    const priceMax = numberOr(input('priceMax').value);
    const maxPerCategory = numberOr(input('maxPerCategory').value);
    if (priceMin !== undefined) config.filters.priceMin = priceMin;
    if (priceMax !== undefined) config.filters.priceMax = priceMax;
    if (maxPerCategory !== undefined) config.maxPerCategory = maxPerCategory;
    return config;
  }

  function fill(slot: Partial<Slot>) {
    const f = slot.filters;
    current = slot.name;
    byId('slot-title').textContent = slot.name ? `Slot ${slot.name}` : 'New slot';
    input('name').value = slot.name ?? '';
    select('strategy').value = slot.strategy ?? 'also-bought';
    input('limit').value = String(slot.limit ?? 4);
    select('similarity').value = slot.similarity ?? 'jaccard';
    input('minSupport').value = String(slot.minSupport ?? 1);
    input('maxPerCategory').value = slot.maxPerCategory === undefined ? '' : String(slot.maxPerCategory);
    input('categoryIn').value = (f?.categoryIn ?? []).join(', ');
    input('categoryNotIn').value = (f?.categoryNotIn ?? []).join(', ');
    input('priceMin').value = f?.priceMin === undefined ? '' : String(f.priceMin);
    input('priceMax').value = f?.priceMax === undefined ? '' : String(f.priceMax);
    input('inStockOnly').checked = f?.inStockOnly !== false;
    input('excludePurchased').checked = !!f?.excludePurchased;
    input('excludeCart').checked = !!f?.excludeCart;
    input('boosters').value = formatBoosters(slot.boosters ?? []);
    input('pinned').value = (slot.pinned ?? []).map((p) => `${p.item}@${p.position}`).join(', ');
    input('fallback').value = (slot.fallback ?? ['also-bought', 'also-viewed', 'popular']).join(', ');
    input('description').value = slot.description ?? '';
    byId('saved').textContent = '';
    byId('preview-items').replaceChildren();
    byId('preview-note').textContent = '';
    showErrors(null);
    document.querySelectorAll('#slot-list a').forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('data-slot') === slot.name));
  }

  async function refresh(selected?: string) {
    const { slots } = await api<{ slots: Slot[] }>('GET', '/v1/slots');
    byId('slot-list').replaceChildren(
      ...slots.map((slot) => {
        const a = el('a', { href: `#slots/${slot.name}`, 'data-slot': slot.name }, slot.name);
        a.addEventListener('click', (e) => {
          e.preventDefault();
          fill(slot);
        });
        const li = el('li');
        li.append(a, el('span', { class: 'muted' }, ` ${slot.strategy}`));
        if (slot.description) li.append(el('small', { class: 'muted' }, slot.description));
        return li;
      }),
    );
    const chosen = slots.find((s) => s.name === selected);
    if (chosen) fill(chosen);
    else if (current === undefined && slots.length) fill(slots[0]);
  }

  async function preview() {
    const q = new URLSearchParams({ slot: input('name').value });
    const item = byId<HTMLInputElement>('preview-item').value.trim();
    const visitor = byId<HTMLInputElement>('preview-visitor').value.trim();
    const cart = list(byId<HTMLInputElement>('preview-cart').value);
    if (item) q.set('item', item);
    // A visitor id may be either: the collector maps anonymous ids to users it knows.
    if (visitor) q.set('anonymousId', visitor);
    if (visitor) q.set('userId', visitor);
    if (cart.length) q.set('cart', cart.join(','));
    const grid = byId('preview-items');
    grid.replaceChildren();
    try {
      const res = await api<Recommendation>('GET', `/v1/recommendations?${q}`);
      byId('preview-note').textContent = res.items.length ? `${res.items.length} products` : 'Nothing to show: the slot and its fallbacks found no product';
      grid.append(
        ...res.items.map((p) => {
          const li = el('li', { class: 'product', 'data-preview': p.id });
          if (p.image) li.append(el('img', { src: p.image, alt: '', loading: 'lazy' }));
          li.append(el('span', { class: 'name' }, p.name), el('span', { class: 'muted' }, `${p.id} · ${p.category ?? ''} · ${p.source}${p.price === undefined ? '' : ` · ${p.price.toFixed(2)}`}`));
          return li;
        }),
      );
      showErrors(null);
    } catch (error) {
      showErrors(error);
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input('name').value;
    byId('saved').textContent = '';
    api<Slot>('PUT', `/v1/slots/${encodeURIComponent(name)}`, toConfig()).then(
      async () => {
        showErrors(null);
        await refresh(name);
        byId('saved').textContent = `Saved: the shop shows it on the next page view`;
      },
      showErrors,
    );
  });
  byId('delete-slot').addEventListener('click', () => {
    const name = input('name').value;
    if (!name || !confirm(`Delete the slot ${name}? Pages that name it will show nothing there.`)) return;
    api('DELETE', `/v1/slots/${encodeURIComponent(name)}`).then(() => {
      fill({});
      return refresh();
    }, showErrors);
  });
  byId('new-slot').addEventListener('click', () => fill({}));
  byId('preview').addEventListener('click', () => void preview());

  return { refresh, fill };
}
