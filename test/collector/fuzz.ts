// Generators of hostile and broken events for the fuzz tests: wrong types, missing fields, huge strings,
// deep nesting, __proto__ and constructor keys, absurd timestamps, mixed with valid events.

import { randomUUID } from 'node:crypto';
import { random } from '../../recommender';

export type Rand = () => number;

export function validEvent(rand: Rand, now = Date.now()): Record<string, unknown> {
  const kind = Math.floor(rand() * 5);
  const base = {
    messageId: randomUUID(),
    anonymousId: `anon-${Math.floor(rand() * 1000)}`,
    timestamp: new Date(now - Math.floor(rand() * 1e9)).toISOString(),
    context: { library: { name: 'fuzz', version: '1' }, sessionId: 's-1', page: { url: 'https://shop.test/' } },
  };
  if (kind === 0) return { ...base, type: 'page', name: 'Home', properties: {} };
  if (kind === 1) return { ...base, type: 'identify', userId: `user-${Math.floor(rand() * 100)}`, traits: { email: 'a@b.c', plan: 'pro' } };
  if (kind === 2)
    return {
      ...base,
      type: 'track',
      event: 'Order Completed',
      properties: {
        order_id: `o-${Math.floor(rand() * 1e6)}`,
        revenue: 42.5,
        currency: 'EUR',
        products: [
          { product_id: 'SKU-1', price: 20, quantity: 1 },
          { sku: 'SKU-2', price: 22.5, quantity: 1 },
        ],
      },
    };
  if (kind === 3) return { ...base, type: 'track', event: 'Signed Up', properties: { plan: 'free', nested: { a: [1, 2, { b: 'c' }] } } };
  return { ...base, type: 'track', event: 'Product Viewed', properties: { product_id: `SKU-${Math.floor(rand() * 200)}`, name: 'Mug', price: 9.99, currency: 'EUR', category: 'Kitchen' } };
}

const hostileValues: (() => unknown)[] = [
  () => null,
  () => undefined,
  () => 42,
  () => -1,
  () => 1e300,
  () => '',
  () => ' padded ',
  () => 'x'.repeat(9000),
  () => true,
  () => [],
  () => ({}),
  () => [1, 'two', null],
  () => ({ __proto__: { polluted: true } }),
  () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
  () => '1970-01-01T00:00:00Z',
  () => '9999-12-31T23:59:59Z',
  () => 'not a date',
  () => '\u0000\uFFFF\uD800',
  () => nest(60),
  () => Number.NaN,
  () => 12.5,
];

function nest(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

const FIELDS = ['type', 'event', 'messageId', 'anonymousId', 'userId', 'timestamp', 'properties', 'context', 'traits', 'name', '__proto__', 'constructor'];
const PROPERTY_FIELDS = ['product_id', 'sku', 'price', 'quantity', 'currency', 'products', 'revenue', 'order_id', 'position', 'name', '__proto__', 'constructor'];

/** A valid event with one to three fields broken, removed or added. */
export function mutatedEvent(rand: Rand): unknown {
  const e: Record<string, unknown> = JSON.parse(JSON.stringify(validEvent(rand)));
  const changes = 1 + Math.floor(rand() * 3);
  for (let c = 0; c < changes; c++) {
    const roll = rand();
    const value = hostileValues[Math.floor(rand() * hostileValues.length)]();
    if (roll < 0.45) {
      Object.defineProperty(e, FIELDS[Math.floor(rand() * FIELDS.length)], { value, enumerable: true, configurable: true, writable: true });
    } else if (roll < 0.6) {
      delete e[FIELDS[Math.floor(rand() * FIELDS.length)]];
    } else {
      const p = (e.properties && typeof e.properties === 'object' ? e.properties : (e.properties = {})) as Record<string, unknown>;
      Object.defineProperty(p, PROPERTY_FIELDS[Math.floor(rand() * PROPERTY_FIELDS.length)], { value, enumerable: true, configurable: true, writable: true });
    }
  }
  return rand() < 0.05 ? hostileValues[Math.floor(rand() * hostileValues.length)]() : e;
}

export function corpus(size: number, seed = 1): unknown[] {
  const rand = random(seed);
  return Array.from({ length: size }, () => (rand() < 0.3 ? validEvent(rand) : mutatedEvent(rand)));
}
