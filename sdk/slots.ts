// Recommendation slots: fills <div data-patron-slot> elements with the products the collector recommends
// and tracks what the shopper saw and clicked. Catalog data only ever becomes text nodes or attribute
// values, never markup, and URLs must be http(s) or relative: a product named `<img src=x onerror=alert(1)>`
// shows as text.

import type { Patron } from './api';
import type { Core } from './core';
import type { RecommendationResponse, RecommendedItem } from './wire';

const DEFAULT_TEMPLATE =
  '<a class="patron-item" href="{{url}}"><img class="patron-image" src="{{image}}" alt="{{name}}" loading="lazy">' +
  '<span class="patron-name">{{name}}</span><span class="patron-price">{{price}}</span></a>';

const URL_ATTRIBUTES = /^(href|src|srcset|action|formaction|poster|xlink:href|data)$/i;
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/** A URL safe to put in href or src: http(s), protocol-relative or relative, and images as data:image/. */
export function safeUrl(value: string): boolean {
  // Browsers ignore tabs, newlines and leading control characters when reading a URL's scheme.
  const v = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(v);
  return !scheme || scheme[1] === 'http' || scheme[1] === 'https' || (scheme[1] === 'data' && /^data:image\/(png|gif|jpeg|webp);/.test(v));
}

export function formatPrice(price: number | undefined, currency: string | undefined, locale?: string): string {
  if (price === undefined) return '';
  try {
    return currency ? new Intl.NumberFormat(locale, { style: 'currency', currency }).format(price) : String(price);
  } catch {
    return `${price} ${currency ?? ''}`.trim();
  }
}

export function fieldsOf(item: RecommendedItem): Record<string, string> {
  return {
    id: item.id,
    name: item.name,
    url: item.url ?? '',
    image: item.image ?? '',
    price: formatPrice(item.price, item.currency),
    amount: item.price === undefined ? '' : String(item.price),
    currency: item.currency ?? '',
    category: item.category ?? '',
    position: String(item.position + 1),
  };
}

const fill = (text: string, fields: Record<string, string>) => text.replace(PLACEHOLDER, (_, key: string) => fields[key] ?? '');

/** Clones the template for one item, substituting {{field}} placeholders in text and attributes only. */
export function renderItem(template: HTMLTemplateElement, item: RecommendedItem & { source?: string }): DocumentFragment {
  const fragment = template.content.cloneNode(true) as DocumentFragment;
  const fields = fieldsOf(item);
  const doc = template.ownerDocument;
  const walker = doc.createTreeWalker(fragment, 5 /* SHOW_ELEMENT | SHOW_TEXT */);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === 3) {
      if (node.nodeValue && node.nodeValue.includes('{{')) node.nodeValue = fill(node.nodeValue, fields);
      continue;
    }
    const el = node as Element;
    for (const attr of Array.from(el.attributes)) {
      if (!attr.value.includes('{{')) continue;
      const value = fill(attr.value, fields);
      // Data never goes into event handlers or styles; URLs must be safe and non-empty.
      if (/^on/i.test(attr.name) || /^style$/i.test(attr.name) || (URL_ATTRIBUTES.test(attr.name) && (!value || !safeUrl(value)))) el.removeAttribute(attr.name);
      else el.setAttribute(attr.name, value);
    }
  }
  for (const child of Array.from(fragment.children)) {
    child.setAttribute('data-patron-position', String(item.position));
    child.setAttribute('data-patron-id', item.id);
    if (item.source) child.setAttribute('data-patron-source', item.source);
  }
  return fragment;
}

export function defaultTemplate(doc: Document): HTMLTemplateElement {
  const template = doc.createElement('template');
  template.innerHTML = DEFAULT_TEMPLATE; // a constant: no data goes through innerHTML
  return template;
}

/** The slot's own <template>, one named by data-patron-template, or the default. */
export function templateFor(slot: HTMLElement): HTMLTemplateElement {
  const doc = slot.ownerDocument;
  const own = slot.querySelector('template');
  const named = slot.dataset.patronTemplate ? doc.getElementById(slot.dataset.patronTemplate) : null;
  return own ?? (named && named.tagName === 'TEMPLATE' ? (named as HTMLTemplateElement) : defaultTemplate(doc));
}

/** Replaces the slot's content (keeping its template) with the recommended items. */
export function renderSlot(slot: HTMLElement, response: RecommendationResponse): void {
  const template = templateFor(slot);
  const doc = slot.ownerDocument;
  const list = doc.createElement('div');
  list.className = 'patron-items';
  for (const item of response.items) list.appendChild(renderItem(template, item));
  for (const child of Array.from(slot.childNodes)) if (child !== template) slot.removeChild(child);
  slot.appendChild(list);
  slot.setAttribute('data-patron-recommendation', response.recommendationId);
  slot.setAttribute(STATE, response.items.length ? 'ready' : 'empty');
}

const STATE = 'data-patron-state';

export function slots(core: Core, patron: Patron): Pick<Patron, 'renderSlots'> {
  /** Asks for one slot's products, renders them and tracks Recommendation Viewed, then Clicked on a click. */
  async function fillSlot(slot: HTMLElement): Promise<void> {
    slot.setAttribute(STATE, 'loading');
    const { patronSlot: name, patronItem: item, patronLimit: limit } = slot.dataset;
    // The slot's configuration lives on the collector: the page only names it.
    const response = await patron.recommendations({ slot: name, item, limit: Number(limit) || undefined });
    if (!response) return slot.setAttribute(STATE, 'error'); // the slot keeps its own fallback markup
    renderSlot(slot, response);
    if (core._options.trackRecommendations === false || !response.items.length) return;
    const common = { slot: name, recommendation_id: response.recommendationId };
    patron.track('Recommendation Viewed', { ...common, ...(item ? { product_id: item } : {}), products: response.items.map((i) => ({ product_id: i.id, position: i.position })) });
    slot.addEventListener('click', (e) => {
      const hit = (e.target as Element | null)?.closest?.('[data-patron-position]');
      if (!hit || !slot.contains(hit)) return;
      patron.track('Recommendation Clicked', { ...common, product_id: hit.getAttribute('data-patron-id')!, position: Number(hit.getAttribute('data-patron-position')) });
      void patron.flush(); // the click usually navigates away
    });
  }
  return {
    async renderSlots(root = core._doc) {
      if (root) await Promise.all(Array.from(root.querySelectorAll<HTMLElement>(`[data-patron-slot]:not([${STATE}])`), fillSlot));
    },
  };
}
