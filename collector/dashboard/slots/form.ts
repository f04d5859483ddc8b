// The slot form: its fields read as the config the admin API takes, and a slot written back into them (an
// empty one gives the defaults a new slot starts from).

import { byId } from '../api';
import { type Slot, type SlotConfig, commaSeparated, formatBoosters, parseBoosters } from './slot';

// An empty field is no value (no price bound, no cap), not zero.
const numberOr = (value: string) => (value.trim() === '' ? undefined : Number(value));

export interface SlotForm {
  element: HTMLFormElement;
  /** The slot's name as the field has it now. */
  name: () => string;
  read(): SlotConfig;
  fill(slot: Partial<Slot>): void;
}

export function createSlotForm(): SlotForm {
  const form = byId<HTMLFormElement>('slot-form');
  const input = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const select = (name: string) => form.elements.namedItem(name) as HTMLSelectElement;
  return {
    element: form,
    name: () => input('name').value,
    read() {
      const config: SlotConfig = {
        strategy: select('strategy').value,
        limit: Number(input('limit').value),
        similarity: select('similarity').value,
        minSupport: Number(input('minSupport').value),
        filters: { inStockOnly: input('inStockOnly').checked, excludePurchased: input('excludePurchased').checked, excludeCart: input('excludeCart').checked },
        boosters: parseBoosters(input('boosters').value),
        pinned: commaSeparated(input('pinned').value).map((p) => {
          const [item, position = '0'] = p.split('@');
          return { item: item.trim(), position: Number(position) };
        }),
        fallback: commaSeparated(input('fallback').value),
      };
      // A field left empty is left out of the config: no description, no such filter, no cap.
      const description = input('description').value.trim();
      if (description) config.description = description;
      if (commaSeparated(input('categoryIn').value).length) config.filters.categoryIn = commaSeparated(input('categoryIn').value);
      if (commaSeparated(input('categoryNotIn').value).length) config.filters.categoryNotIn = commaSeparated(input('categoryNotIn').value);
      const priceMin = numberOr(input('priceMin').value);
      const priceMax = numberOr(input('priceMax').value);
      const maxPerCategory = numberOr(input('maxPerCategory').value);
      if (priceMin !== undefined) config.filters.priceMin = priceMin;
      if (priceMax !== undefined) config.filters.priceMax = priceMax;
      if (maxPerCategory !== undefined) config.maxPerCategory = maxPerCategory;
      return config;
    },
    fill(slot) {
      const f = slot.filters;
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
    },
  };
}
