// One webhook request, as a hostile endpoint cannot turn it against the collector: only http(s), the host's
// addresses resolved once and checked (no private, loopback or link-local address unless the operator allowed the
// host), the connection made to the checked address (a DNS answer that changes in between cannot redirect it), no
// redirect followed, at most 20 KB sent, a time limit on the whole exchange, and only an excerpt of the answer read.

import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isInternalAddress } from './addresses';

/** The most a webhook body may weigh (the specification's advice for payloads). */
export const MAX_BODY_BYTES = 20 * 1024;
/** How much of an answer is kept for the delivery log. */
export const EXCERPT_BYTES = 1024;

export interface OutboundOptions {
  /** The whole exchange, connection to answer (the specification advises 15 to 30 s). */
  timeoutMs?: number;
  /** Hosts the operator allows although they are internal, and over plain http (a receiver on the same machine, say). */
  allowHosts?: readonly string[];
}

export interface OutboundResult {
  /** The answer's status; null when there was none (refused, unreachable, timed out). */
  status: number | null;
  durationMs: number;
  /** The first KB of the answer's body, or why there was no answer. */
  excerpt: string;
  retryAfter: string | null;
  error?: string;
}

/** Why a URL may not be called, or null if it may (before any address is looked up). */
export function refusedUrl(url: string, allowHosts: readonly string[] = []): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.username || u.password) return 'must not carry credentials';
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:') return allowHosts.includes(hostOf(u)) ? null : 'must be https (http only to a host the operator allows)';
  return 'must be https';
}

const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '');

/** The host's addresses, all of them checked: one internal address refuses the host (unless it is allowed). */
async function checkedAddress(host: string, allowHosts: readonly string[]): Promise<{ address: string; family: number }> {
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  if (!addresses.length) throw new Error(`${host} has no address`);
  if (!allowHosts.includes(host)) {
    const internal = addresses.find((a) => isInternalAddress(a.address));
    if (internal) throw new Error(`${host} resolves to ${internal.address}, an internal address (allow the host to reach it)`);
  }
  return addresses[0];
}

export async function postWebhook(url: string, body: string, headers: Record<string, string>, options: OutboundOptions = {}): Promise<OutboundResult> {
  const started = performance.now();
  const done = (r: Omit<OutboundResult, 'durationMs'>): OutboundResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
  const refused = refusedUrl(url, options.allowHosts);
  if (refused) return done({ status: null, excerpt: '', retryAfter: null, error: `the URL ${refused}` });
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return done({ status: null, excerpt: '', retryAfter: null, error: `the body is over ${MAX_BODY_BYTES} bytes` });
  const u = new URL(url);
  let pinned: { address: string; family: number };
  try {
    pinned = await checkedAddress(hostOf(u), options.allowHosts ?? []);
  } catch (error) {
    return done({ status: null, excerpt: '', retryAfter: null, error: (error as Error).message });
  }
  // The socket goes to the address checked above, whatever the resolver would say now.
  const lookupPinned: LookupFunction = (_host, opts, callback) => {
    if (opts.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  return new Promise((resolve) => {
    const client = u.protocol === 'https:' ? https : http;
    const req = client.request(
      u,
      { method: 'POST', lookup: lookupPinned, headers: { 'content-type': 'application/json', 'user-agent': 'Patron-Webhooks/1', ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (chunk: Buffer) => {
          if (kept >= EXCERPT_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
          // Enough for the log: the rest of the answer is not read.
          if (kept >= EXCERPT_BYTES) finish();
        });
        const finish = () => {
          clearTimeout(timer);
          const retryAfter = res.headers['retry-after'];
          resolve(done({ status: res.statusCode ?? null, excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'), retryAfter: typeof retryAfter === 'string' ? retryAfter : null }));
          res.destroy();
        };
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 15_000} ms`)), options.timeoutMs ?? 15_000);
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve(done({ status: null, excerpt: '', retryAfter: null, error: error.message }));
    });
    req.end(body);
  });
}
