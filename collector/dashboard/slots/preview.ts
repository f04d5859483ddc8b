// The preview: what a slot would show, as saved, on a product page, to a visitor, with a cart; asked of the
// same recommendations endpoint the shop's pages call.

import { type Api, byId, el } from '../api';
import { showErrors } from './errors';
import { commaSeparated } from './slot';

interface Recommendation {
  recommendationId: string;
  items: { id: string; name: string; image?: string; price?: number; category?: string; source: string; position: number }[];
}

export interface Preview {
  clear(): void;
}

/** Wires the preview button; `slotName` is the slot the form shows. */
export function createPreview(api: Api, slotName: () => string): Preview {
  const grid = byId('preview-items');
  async function show() {
    const q = new URLSearchParams({ slot: slotName() });
    const item = byId<HTMLInputElement>('preview-item').value.trim();
    const visitor = byId<HTMLInputElement>('preview-visitor').value.trim();
    const cart = commaSeparated(byId<HTMLInputElement>('preview-cart').value);
    if (item) q.set('item', item);
    // A visitor id may be either: the collector maps anonymous ids to users it knows.
    if (visitor) q.set('anonymousId', visitor);
    if (visitor) q.set('userId', visitor);
    if (cart.length) q.set('cart', cart.join(','));
    grid.replaceChildren();
    try {
      const res = await api<Recommendation>('GET', `/v1/recommendations?${q}`);
      byId('preview-note').textContent = res.items.length ? `${res.items.length} products` : 'Nothing to show: the slot and its fallbacks found no product';
      grid.append(...res.items.map(productCard));
      showErrors(null);
    } catch (error) {
      showErrors(error);
    }
  }
  byId('preview').addEventListener('click', () => void show());
  return {
    clear() {
      grid.replaceChildren();
      byId('preview-note').textContent = '';
    },
  };
}

function productCard(p: Recommendation['items'][number]) {
  const li = el('li', { class: 'product', 'data-preview': p.id });
  if (p.image) li.append(el('img', { src: p.image, alt: '', loading: 'lazy' }));
  li.append(el('span', { class: 'name' }, p.name), el('span', { class: 'muted' }, `${p.id} · ${p.category ?? ''} · ${p.source}${p.price === undefined ? '' : ` · ${p.price.toFixed(2)}`}`));
  return li;
}
