// The fast check may only ever accept what zod accepts, and must store it exactly as zod's output would be.
import { describe, expect, it } from 'vitest';
import { fastValid } from '../../collector/ingest/fast-validate';
import { toStored } from '../../collector/domain/stored-event';
import { eventSchema } from '../../collector/domain/event';
import { corpus } from './fuzz';

describe('fastValid', () => {
  const events = [1, 2, 7].flatMap((seed) => corpus(20_000, seed)).map((e) => (e && typeof e === 'object' ? JSON.parse(JSON.stringify(e)) : e)); // as if from the wire

  it('never accepts an event zod rejects, and stores it as zod would', () => {
    let fast = 0;
    let zodOnly = 0;
    const now = Date.now();
    for (const e of events) {
      const parsed = eventSchema.safeParse(e);
      if (fastValid(e, now)) {
        fast++;
        expect(parsed.success, JSON.stringify(e)).toBe(true);
        expect(toStored(e as never, 0)).toEqual(toStored(parsed.data!, 0));
      } else if (parsed.success) {
        zodOnly++;
      }
    }
    // Most valid events take the fast path; the unusual ones fall back to zod.
    expect(fast).toBeGreaterThan(events.length * 0.3);
    expect(zodOnly).toBeLessThan(fast);
  }, 120_000); // 60,000 events through zod and the fast check: seconds, more on a busy machine

  it('leaves padded ids, unknown types and non-objects to zod', () => {
    const ok = { type: 'track', event: 'Product Viewed', messageId: 'm', anonymousId: 'a', timestamp: new Date().toISOString(), properties: { product_id: 'p' } };
    expect(fastValid(ok)).toBe(true);
    expect(fastValid({ ...ok, messageId: ' m ' })).toBe(false);
    expect(fastValid({ ...ok, type: 'screen' })).toBe(false);
    expect(fastValid({ ...ok, properties: { sku: 'p', price: -1 } })).toBe(false);
    expect(fastValid({ ...ok, event: 'Order Completed', properties: { products: [] } })).toBe(false);
    expect(fastValid([ok])).toBe(false);
    expect(fastValid(null)).toBe(false);
  });
});
