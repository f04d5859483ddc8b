import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../collector/http/rate-limit';
import { KEYS, get, post, startCollector, viewed, type Running } from './helpers';

describe('TokenBuckets', () => {
  it('lets a burst through, then refills at its rate', () => {
    const b = new TokenBuckets({ rate: 10, burst: 20 });
    expect(b.take('k', 20, 0)).toBe(0);
    expect(b.take('k', 5, 0)).toBe(1); // 5 tokens at 10/s: wait 1 s (rounded up)
    expect(b.take('k', 5, 500)).toBe(0); // half a second later 5 tokens are back
    expect(b.take('other', 20, 500)).toBe(0); // keys have their own buckets
    expect(b.take('k', 1000, 100_000)).toBe(0); // a request bigger than the burst costs a full bucket
  });

  it('stays bounded in memory', () => {
    const b = new TokenBuckets({ rate: 1, burst: 1 }, 100);
    for (let i = 0; i < 1000; i++) b.take(`client-${i}`, 1, i * 10_000);
    expect(b.size).toBeLessThanOrEqual(100);
  });
});

// Buckets over HTTP refill on the real clock: at one token in 1,000 s none comes back while a test runs,
// however slowly (at 5 per second, a test slower than 0.2 s between requests saw its bucket refill).
const SLOW = 0.001;

describe('rate limiting over HTTP', () => {
  let c: Running;
  beforeAll(async () => {
    c = await startCollector({ rateLimits: { perKey: { rate: 1000, burst: 1000 }, perAddress: { rate: SLOW, burst: 10 } } });
  });
  afterAll(() => c.stop());

  it('answers 429 with Retry-After once a client address is over its rate', async () => {
    const ok = await post(`${c.url}/v1/batch`, { batch: Array.from({ length: 10 }, () => viewed('SKU-1')) });
    expect(ok.status).toBe(200);
    const limited = await post(`${c.url}/v1/batch`, { batch: Array.from({ length: 6 }, () => viewed('SKU-1')) });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const read = await get(`${c.url}/v1/recommendations?strategy=popular&writeKey=${KEYS.write[0]}`, null);
    expect(read.status).toBe(429);
  });
});

describe('trusted back ends', () => {
  it('does not limit requests made with the admin key', async () => {
    const c = await startCollector({ rateLimits: { perKey: { rate: SLOW, burst: 1 }, perAddress: { rate: SLOW, burst: 1 } } });
    try {
      for (let i = 0; i < 3; i++) expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-1'), viewed('SKU-2')] }, { key: KEYS.admin[0] })).status).toBe(200);
      // the write key's first request spends its (full) bucket; the next one must wait
      expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-1'), viewed('SKU-2')] })).status).toBe(200);
      expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-1'), viewed('SKU-2')] })).status).toBe(429);
    } finally {
      await c.stop();
    }
  });
});

describe('bytes', () => {
  it('are counted as well as events: a few large invalid events cannot fill the quarantine unchecked', async () => {
    const c = await startCollector({ rateLimits: { perKey: { rate: 1000, burst: 1000 }, perAddress: { rate: 1000, burst: 1000 }, bytesPerAddress: { rate: SLOW, burst: 100_000 } } });
    try {
      // One event each, invalid (no type), of 40 KB: one event token, 40,000 byte tokens.
      const heavy = () => ({ batch: [{ messageId: 'x', anonymousId: 'a', timestamp: new Date().toISOString(), properties: { text: 'h'.repeat(40_000) } }] });
      expect((await post(`${c.url}/v1/batch`, heavy())).status).toBe(400);
      expect((await post(`${c.url}/v1/batch`, heavy())).status).toBe(400);
      const limited = await post(`${c.url}/v1/batch`, heavy());
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // A trusted back end is not limited.
      expect((await post(`${c.url}/v1/batch`, { batch: [viewed('SKU-1')] }, { key: KEYS.admin[0] })).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});

describe('one address refused', () => {
  it('does not spend what the write key’s other clients share', async () => {
    const c = await startCollector({
      rateLimits: {
        perKey: { rate: 1000, burst: 1000 },
        perAddress: { rate: 1000, burst: 1000 },
        bytesPerAddress: { rate: SLOW, burst: 70_000 },
        bytesPerKey: { rate: SLOW, burst: 100_000 },
        trustProxy: true,
      },
    });
    try {
      const body = JSON.stringify({ batch: [viewed('SKU-1', 'a', { properties: { product_id: 'SKU-1', text: 'h'.repeat(30_000) } })] });
      const from = (address: string) =>
        fetch(`${c.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.write[0]}`, 'x-forwarded-for': address }, body });
      expect((await from('10.0.0.1')).status).toBe(200);
      expect((await from('10.0.0.1')).status).toBe(200);
      // 10.0.0.1 is over its bytes: refused, again and again, without touching the key's bucket...
      for (let i = 0; i < 3; i++) expect((await from('10.0.0.1')).status).toBe(429);
      // ...which still holds what another shopper needs.
      expect((await from('10.0.0.2')).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});
