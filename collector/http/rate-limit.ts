// Token buckets per write key and per client address, of events and of bytes: a shop's traffic spikes pass
// (the burst), a runaway client or a flood gets 429 with Retry-After, and so does one that sends few events of
// many bytes (each invalid one is kept in the quarantine). Memory stays bounded: idle, refilled buckets are
// swept away.

import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';
import { presentedKey, type PresentedKey } from './auth';

export interface Bucket {
  /** Tokens added per second. */
  rate: number;
  /** Most tokens a bucket holds: the largest burst let through at once. */
  burst: number;
}

export interface RateLimits {
  /** Events per second per write key (reads count one token per request). */
  perKey: Bucket;
  /** Events per second per client address. */
  perAddress: Bucket;
  /** Request body bytes per second per write key. */
  bytesPerKey?: Bucket;
  /** Request body bytes per second per client address. */
  bytesPerAddress?: Bucket;
  /** Take the client address from X-Forwarded-For (only behind a proxy you trust). */
  trustProxy?: boolean;
}

const MB = 1024 * 1024;

// Bytes at about a kilobyte an event (a large one, with its products and context), and a burst that lets a
// few full batches (500 KB) through at once.
export const DEFAULT_RATE_LIMITS: RateLimits = {
  perKey: { rate: 20_000, burst: 100_000 },
  perAddress: { rate: 1_000, burst: 10_000 },
  bytesPerKey: { rate: 20 * MB, burst: 100 * MB },
  bytesPerAddress: { rate: 1 * MB, burst: 10 * MB },
};

interface State {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly _buckets = new Map<string, State>();

  constructor(
    private readonly _limit: Bucket,
    private readonly _maxKeys = 100_000,
  ) {}

  /** Takes `n` tokens for `key`; 0 when granted, else the seconds to wait before asking again. */
  take(key: string, n: number, now = Date.now()): number {
    const { rate, burst } = this._limit;
    const cost = Math.min(n, burst); // one request can never need more than a full bucket
    let s = this._buckets.get(key);
    if (!s) {
      if (this._buckets.size >= this._maxKeys) this._sweep(now);
      this._buckets.set(key, (s = { tokens: burst, at: now }));
    }
    s.tokens = Math.min(burst, s.tokens + ((now - s.at) / 1000) * rate);
    s.at = now;
    if (s.tokens >= cost) {
      s.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((cost - s.tokens) / rate));
  }

  get size(): number {
    return this._buckets.size;
  }

  /** Forgets buckets that have refilled (idle clients); if none have, the oldest half. */
  private _sweep(now: number): void {
    const { rate, burst } = this._limit;
    for (const [key, s] of this._buckets) if (s.tokens + ((now - s.at) / 1000) * rate >= burst) this._buckets.delete(key);
    if (this._buckets.size >= this._maxKeys) {
      let drop = this._buckets.size / 2;
      for (const key of this._buckets.keys()) {
        if (drop-- <= 0) break;
        this._buckets.delete(key);
      }
    }
  }
}

export function clientAddress(req: IncomingMessage, trustProxy = false): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * A limiter for requests: throws a 429 HttpError with Retry-After when a bucket is empty. Requests with an
 * admin key in their Authorization header (a trusted back end importing history) are not limited. It runs
 * after authentication, so only known keys get a bucket.
 */
export function createRateLimiter(limits: RateLimits, exempt: (presented: PresentedKey | undefined) => boolean = () => false) {
  const events = { byKey: new TokenBuckets(limits.perKey), byAddress: new TokenBuckets(limits.perAddress) };
  const bytes = {
    byKey: new TokenBuckets(limits.bytesPerKey ?? DEFAULT_RATE_LIMITS.bytesPerKey!),
    byAddress: new TokenBuckets(limits.bytesPerAddress ?? DEFAULT_RATE_LIMITS.bytesPerAddress!),
  };
  /** Takes `tokens` events and `size` bytes of the request's buckets. */
  return function limit(req: IncomingMessage, body: unknown, tokens: number, size = 0): void {
    const now = Date.now();
    const presented = presentedKey(req, body, true);
    if (exempt(presented)) return;
    const address = clientAddress(req, limits.trustProxy);
    const key = presented?.key ?? '';
    // The address first, and the key's buckets only when the address may go on: one address refused must not
    // spend what the key's other clients (every shopper of the shop) share.
    let wait = events.byAddress.take(address, tokens, now);
    if (wait === 0 && size > 0) wait = bytes.byAddress.take(address, size, now);
    if (wait === 0) wait = events.byKey.take(key, tokens, now);
    if (wait === 0 && size > 0) wait = bytes.byKey.take(key, size, now);
    if (wait > 0) {
      throw new HttpError(429, 'rate_limited', `Too many events or bytes: try again in ${wait} s`, undefined, { 'Retry-After': String(wait) });
    }
  };
}
