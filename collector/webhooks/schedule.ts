// When a failed delivery is tried again: the Standard Webhooks specification's example schedule (immediately, 5 s,
// 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: three days and a few hours), each delay with up to a tenth of
// random jitter so that endpoints that failed together are not all retried together; a Retry-After the receiver
// sent is honoured when it asks for longer (up to a day).

const S = 1000;
const M = 60 * S;
const H = 60 * M;

/** The delay before attempt n (0: the first). */
export const RETRY_DELAYS_MS = [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length;
const MAX_RETRY_AFTER_MS = 24 * H;

/**
 * When attempt `attempt` (1: the first retry) is due after a failure at `now`, or null once every attempt is spent.
 * `retryAfterMs`: what the receiver's Retry-After asked for.
 */
export function nextAttemptAt(attempt: number, now: number, retryAfterMs: number | null = null, random: () => number = Math.random): number | null {
  if (attempt >= MAX_ATTEMPTS) return null;
  const base = RETRY_DELAYS_MS[attempt];
  const jittered = base + base * 0.1 * random();
  const asked = retryAfterMs === null ? 0 : Math.min(MAX_RETRY_AFTER_MS, retryAfterMs);
  return now + Math.max(jittered, asked);
}

/** A Retry-After header as milliseconds from `now`: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now: number): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * S;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
