// Recommendation slots: fills <div data-patron-slot> elements with the products the collector recommends
// and tracks what the shopper saw and clicked. Catalog data only ever becomes text nodes or attribute
// values, never markup, and URLs must be http(s) or relative: a product named `<img src=x onerror=alert(1)>`
// shows as text.

import type { Patron } from './api';
import type { Core } from './core';
import type { RecommendationResponse, RecommendedItem } from './wire';

// Attribute values without spaces need no quotes in HTML; placeholders are filled in after parsing.
const DEFAULT_TEMPLATE =
  '<a class=patron-item href={{url}}><img class=patron-image src={{image}} alt={{name}} loading=lazy>' + '<span class=patron-name>{{name}}</span><span class=patron-price>{{price}}</span></a>';

const URL_ATTRIBUTES = /^(href|src|srcset|action|formaction|poster|xlink:href|data)$/i;
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/** A URL safe to put in href or src: http(s), protocol-relative or relative, and images as data:image/. */
export function safeUrl(value: string): boolean {
  // Browsers ignore tabs, newlines and leading control characters when reading a URL's scheme.
  // eslint-disable-next-line no-control-regex -- control characters are what is taken out
  const v = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
  return !/^[a-z][a-z0-9+.-]*:/.test(v) || /^(https?:|data:image\/(png|gif|jpeg|webp);)/.test(v);
}

export function formatPrice(price: number | undefined, currency: string | undefined): string {
  if (price === undefined) return '';
  try {
    return currency ? new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(price) : String(price);
  } catch {
    return `${price} ${currency}`; // a currency code Intl does not know
  }
}

/** The values a template's {{placeholders}} name; a missing one fills in as ''. */
export const fieldsOf = (item: RecommendedItem): Record<string, string | number | undefined> => ({
  ...item,
  price: formatPrice(item.price, item.currency),
  amount: item.price,
  position: item.position + 1,
});

const fill = (text: string, fields: ReturnType<typeof fieldsOf>) => text.replace(PLACEHOLDER, (_, key: string) => String(fields[key] ?? ''));

/** Clones the template for one item, substituting {{field}} placeholders in text and attributes only. */
export function renderItem(template: HTMLTemplateElement, item: RecommendedItem & { source?: string }): DocumentFragment {
  const fragment = template.content.cloneNode(true) as DocumentFragment;
  const fields = fieldsOf(item);
  const walker = template.ownerDocument.createTreeWalker(fragment, 5 /* SHOW_ELEMENT | SHOW_TEXT */);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.nodeType === 3) node.nodeValue = fill(node.nodeValue!, fields);
    // Only attributes with placeholders are touched: the merchant's own handlers stay.
    else
      for (const { name, value: raw } of [...(node as Element).attributes]) {
        if (!raw.includes('{{')) continue;
        const value = fill(raw, fields);
        // Data never goes into event handlers or styles; URLs must be safe and non-empty.
        if (/^(on|style$)/i.test(name) || (URL_ATTRIBUTES.test(name) && !(value && safeUrl(value)))) (node as Element).removeAttribute(name);
        else (node as Element).setAttribute(name, value);
      }
  }
  for (const child of fragment.children) Object.assign((child as HTMLElement).dataset, { patronPosition: item.position, patronId: item.id }, item.source ? { patronSource: item.source } : {});
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
  const named = doc.getElementById(slot.dataset.patronTemplate ?? '');
  return slot.querySelector('template') ?? (named?.tagName === 'TEMPLATE' ? (named as HTMLTemplateElement) : defaultTemplate(doc));
}

/** Replaces the slot's content (keeping its template) with the recommended items. */
export function renderSlot(slot: HTMLElement, response: RecommendationResponse): void {
  const template = templateFor(slot);
  const list = slot.ownerDocument.createElement('div');
  list.className = 'patron-items';
  list.append(...response.items.map((item) => renderItem(template, item)));
  for (const child of [...slot.childNodes]) if (child !== template) child.remove();
  slot.append(list);
  slot.dataset.patronRecommendation = response.recommendationId;
  slot.dataset.patronState = response.items.length ? 'ready' : 'empty';
}

export function slots(core: Core): Pick<Patron, 'renderSlots'> {
  /** Asks for one slot's products, renders them and tracks Recommendation Viewed, then Clicked on a click. */
  async function fillSlot(slot: HTMLElement): Promise<void> {
    const data = slot.dataset;
    data.patronState = 'loading';
    // The slot's configuration lives on the collector: the page only names it.
    const response = await core.recommendations({ slot: data.patronSlot, item: data.patronItem, limit: Number(data.patronLimit) || undefined });
    if (!response) return void (data.patronState = 'error'); // the slot keeps its own fallback markup
    // Unfilled: an experiment's control or a holdout, shown the page's own markup.
    if (response.unfilled) data.patronState = 'held';
    else renderSlot(slot, response);
    // Told for each rendering: the collector counts a visitor's first (Segment's A/B testing spec).
    response.experiments?.forEach((x) => core.track('Experiment Viewed', x));
    if (core._options.trackRecommendations === false || !response.items.length) return;
    const common = { slot: data.patronSlot, recommendation_id: response.recommendationId };
    // product_id: the product the slot is about; undefined (a slot about none) is left out of the JSON.
    core.track('Recommendation Viewed', { ...common, product_id: data.patronItem || undefined, products: response.items.map((i) => ({ product_id: i.id, position: i.position })) });
    slot.addEventListener('click', (e) => {
      const hit = (e.target as Element | null)?.closest?.<HTMLElement>('[data-patron-position]');
      if (!hit || !slot.contains(hit)) return;
      core.track('Recommendation Clicked', { ...common, product_id: hit.dataset.patronId, position: Number(hit.dataset.patronPosition) });
      void core.flush(); // the click usually navigates away
    });
  }
  return {
    async renderSlots(root = core._doc) {
      if (root) await Promise.all([...root.querySelectorAll<HTMLElement>('[data-patron-slot]:not([data-patron-state])')].map(fillSlot));
    },
  };
}
