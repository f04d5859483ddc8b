// What ingest keeps of the client's IP address and user agent (context.ip, context.userAgent): as sent, truncated
// or dropped, chosen by the shop (GDPR's data minimisation). Applied to the events as they arrived, before they are
// validated, so that neither the stored events nor the quarantine nor the journal keep what was taken out.

export type Keeping = 'keep' | 'truncate' | 'drop';

export interface ContextPrivacy {
  /** truncate: the last octet of an IPv4 address, all but the first 48 bits of an IPv6 one, zeroed (as Google Analytics does). */
  ip: Keeping;
  /** truncate: the comments in parentheses (platform, device, OS build) left out, the product tokens kept. */
  userAgent: Keeping;
}

export const KEEP_ALL: ContextPrivacy = { ip: 'keep', userAgent: 'keep' };
export const KEEPINGS: readonly Keeping[] = ['keep', 'truncate', 'drop'];

/** An IP address with its host part zeroed: a.b.c.0, or the first three groups of an IPv6 address then ::. */
export function truncateIp(ip: string): string {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0`;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) keeps its prefix and is truncated as IPv4.
  const mapped = /^(.*:)(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(ip);
  if (mapped) return `${mapped[1]}${truncateIp(mapped[2])}`;
  if (!ip.includes(':')) return '';
  const [head] = ip.split('::');
  const groups = head.split(':').filter((g) => g !== '');
  return `${[...groups, '0', '0', '0'].slice(0, 3).join(':')}::`;
}

/** A user agent without its comments: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0" becomes "Mozilla/5.0 Firefox/120.0". */
export function truncateUserAgent(ua: string): string {
  let out = ua;
  // Comments may nest: removed innermost first, a bounded number of times.
  for (let i = 0; i < 4 && out.includes('('); i++) out = out.replace(/\([^()]*\)/g, '');
  return out.replace(/[()]/g, '').replace(/\s+/g, ' ').trim();
}

function applied(value: unknown, keeping: Keeping, truncate: (s: string) => string): unknown {
  if (keeping === 'keep' || value === undefined) return value;
  if (keeping === 'drop' || typeof value !== 'string') return undefined;
  return truncate(value);
}

/**
 * Truncates or drops the IP address and user agent in each raw event's context, in place; true when any event
 * changed (its body can then not be kept as it arrived).
 */
export function minimiseContexts(rawEvents: readonly unknown[], privacy: ContextPrivacy): boolean {
  if (privacy.ip === 'keep' && privacy.userAgent === 'keep') return false;
  let changed = false;
  for (const raw of rawEvents) {
    const context = typeof raw === 'object' && raw !== null ? (raw as { context?: unknown }).context : undefined;
    if (typeof context !== 'object' || context === null) continue;
    const c = context as Record<string, unknown>;
    for (const [key, keeping, truncate] of [
      ['ip', privacy.ip, truncateIp],
      ['userAgent', privacy.userAgent, truncateUserAgent],
    ] as const) {
      if (!Object.hasOwn(c, key)) continue;
      const next = applied(c[key], keeping, truncate);
      if (next === c[key]) continue;
      changed = true;
      if (next === undefined) delete c[key];
      else c[key] = next;
    }
  }
  return changed;
}
