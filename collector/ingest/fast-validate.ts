// A fast, conservative check of an event: true only where the zod schema (domain/event.ts) would accept the event
// unchanged. Anything else, including everything unusual, goes to zod, which stays the judge and writes the
// error messages. zod costs about 8 µs an event; this about half a microsecond. test/collector/fast-validate
// holds the two together on a fuzzed corpus.

import { LIMITS } from '../domain/limits';
import { parseTimestamp } from '../domain/timestamp';

type Obj = Record<string, unknown>;

// An own "__proto__" key (JSON.parse makes one) is dropped by zod when it rebuilds an object: leave those to it.
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !Object.hasOwn(v, '__proto__');
const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const id = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= LIMITS.idLength && v.trim() === v && v.isWellFormed();
const text = (v: unknown) => typeof v === 'string' && v.length <= LIMITS.stringLength && v.isWellFormed();
const short = (max: number) => (v: unknown) => typeof v === 'string' && v.length <= max && v.isWellFormed();
const money = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e12;
const int = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
// Made once: this runs on every event.
const quantity = int(0, 1e6);
const position = int(0, Number.MAX_SAFE_INTEGER);
const currency = short(8);
const locale = short(64);
const libraryField = short(100);
const productList = (list: unknown) => Array.isArray(list) && list.length <= 500 && list.every(product);
const page = (x: unknown) => isObj(x) && optional(x.url, text) && optional(x.referrer, text) && optional(x.title, text) && optional(x.path, text) && optional(x.search, text);
const library = (x: unknown) => isObj(x) && libraryField(x.name) && libraryField(x.version);

function product(p: unknown): boolean {
  return (
    isObj(p) &&
    optional(p.product_id, id) &&
    optional(p.sku, id) &&
    optional(p.name, text) &&
    optional(p.category, text) &&
    optional(p.price, money) &&
    optional(p.quantity, quantity) &&
    optional(p.currency, currency) &&
    optional(p.position, position) &&
    optional(p.url, text) &&
    optional(p.image_url, text)
  );
}

const identified = (p: unknown) => isObj(p) && (p.product_id !== undefined || p.sku !== undefined);

function properties(p: unknown): boolean {
  return (
    product(p) &&
    optional((p as Obj).order_id, id) &&
    optional((p as Obj).revenue, money) &&
    optional((p as Obj).total, money) &&
    optional((p as Obj).slot, text) &&
    optional((p as Obj).recommendation_id, text) &&
    optional((p as Obj).products, productList)
  );
}

function context(c: unknown): boolean {
  return isObj(c) && optional(c.page, page) && optional(c.userAgent, text) && optional(c.locale, locale) && optional(c.library, library) && optional(c.sessionId, id);
}

const PRODUCT_EVENTS = new Set(['Product Viewed', 'Product Added', 'Product Removed', 'Product Clicked', 'Recommendation Clicked']);

export function fastValid(e: unknown, now = Date.now()): boolean {
  if (!isObj(e)) return false;
  if (!id(e.messageId) || !optional(e.anonymousId, id) || !optional(e.userId, id)) return false;
  if (e.anonymousId === undefined && e.userId === undefined) return false;
  const ts = e.timestamp;
  if (typeof ts !== 'string' || ts.length > 64) return false;
  const t = parseTimestamp(ts);
  if (!(t >= LIMITS.earliestTimestamp && t <= now + LIMITS.futureToleranceMs)) return false;
  if (!optional(e.context, context)) return false;
  switch (e.type) {
    case 'track': {
      const name = e.event;
      if (typeof name !== 'string' || name.length === 0 || name.length > 200 || name.trim() !== name || !name.isWellFormed()) return false;
      if (!optional(e.properties, properties)) return false;
      if (PRODUCT_EVENTS.has(name)) return identified(e.properties);
      if (name === 'Order Completed') {
        const products = (e.properties as Obj | undefined)?.products;
        return Array.isArray(products) && products.length > 0 && products.every(identified);
      }
      return true;
    }
    case 'page':
      return optional(e.name, text) && optional(e.properties, properties);
    case 'identify':
      return optional(e.traits, isObj);
    default:
      return false;
  }
}
