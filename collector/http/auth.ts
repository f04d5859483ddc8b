// Per-role keys. The write key is public (it ships in the shop's page); admin and analyst keys are secret.
// Keys are compared as SHA-256 digests, so a lookup leaks nothing about a key's prefix through timing.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';

export type Role = 'write' | 'admin' | 'analyst';

export interface Keys {
  write: string[];
  admin: string[];
  analyst: string[];
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

// Authorization headers already read, and the key in each: a shop's every batch carries the same one.
const fromHeader = new Map<string, string | undefined>();

/** Where a presented key travelled: only the Authorization header may carry a secret key. */
export type KeyCarrier = 'header' | 'body';

export interface PresentedKey {
  key: string;
  carrier: KeyCarrier;
}

/** The key a request presents: Basic (Segment's `writeKey:`), Bearer, or (`allowInBody`) `writeKey` in the body or query. */
export function presentedKey(req: IncomingMessage, body: unknown, allowInBody: boolean): PresentedKey | undefined {
  const header = req.headers.authorization;
  if (header) {
    let key = fromHeader.get(header);
    if (key === undefined && !fromHeader.has(header)) {
      key = keyInHeader(header);
      if (fromHeader.size >= 1000) fromHeader.clear();
      fromHeader.set(header, key);
    }
    if (key !== undefined) return { key, carrier: 'header' };
  }
  if (!allowInBody) return undefined;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? (body as { writeKey?: unknown }).writeKey : undefined;
  const key = fromBody ?? new URL(req.url ?? '/', 'http://x').searchParams.get('writeKey') ?? undefined;
  return typeof key === 'string' ? { key, carrier: 'body' } : undefined;
}

// Strict forms of the two schemes (RFC 7617, RFC 6750): one scheme, one credential, nothing after it. A header
// with anything else presents no key at all.
const BASIC = /^basic +([A-Za-z0-9+/]+={0,2})$/i;
const BEARER = /^bearer +([\x21-\x7e]+)$/i;

/** The key in an Authorization header: Basic (the user name), or Bearer. */
function keyInHeader(header: string): string | undefined {
  const basic = BASIC.exec(header);
  if (basic) {
    const bytes = Buffer.from(basic[1], 'base64');
    // Node decodes base64 leniently: only a credential that is exactly the encoding of its bytes is one.
    if (bytes.toString('base64').replace(/=+$/, '') !== basic[1].replace(/=+$/, '')) return undefined;
    const decoded = bytes.toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  return BEARER.exec(header)?.[1];
}

export function createAuth(keys: Keys) {
  const digests: Record<Role, Set<string>> = {
    write: new Set(keys.write.map(digest)),
    admin: new Set(keys.admin.map(digest)),
    analyst: new Set(keys.analyst.map(digest)),
  };
  // Known keys as presented, with their role: the write key arrives with every batch, and a digest costs more
  // than the rest of the check. Only keys that exist are remembered, so random keys cannot fill it.
  const known = new Map<string, readonly Role[]>();
  const rolesOf = (key: string): readonly Role[] => {
    let roles = known.get(key);
    if (roles === undefined) {
      const d = digest(key);
      roles = (['write', 'admin', 'analyst'] as const).filter((r) => digests[r].has(d));
      if (roles.length && known.size < 1000) known.set(key, roles);
    }
    return roles;
  };
  /** Admin keys open every door; analyst keys also open analyst doors; write keys only write doors. */
  const opens: Record<Role, Role[]> = { write: ['write', 'admin'], analyst: ['analyst', 'admin'], admin: ['admin'] };

  /** Throws a 401 HttpError unless the request presents a key that opens `role`'s doors. */
  function check(role: Role, req: IncomingMessage, body?: unknown): void {
    // Write keys are public and beacons cannot set headers, so they may travel in the body or query.
    const presented = presentedKey(req, body, role === 'write');
    if (presented === undefined) throw new HttpError(401, 'unauthorized', `Missing ${role} key`);
    const roles = rolesOf(presented.key);
    // A secret key in a body or URL ends up in logs and browser histories: refused there, even where it would open the door.
    if (presented.carrier === 'body' && roles.some((r) => r !== 'write')) {
      throw new HttpError(401, 'unauthorized', 'Secret keys are accepted only in the Authorization header', [{ path: 'writeKey', message: 'is a secret key' }]);
    }
    if (!opens[role].some((r) => roles.includes(r))) throw new HttpError(401, 'unauthorized', `Unknown ${role} key`);
  }

  /** Whether the request presents an admin key in its Authorization header (trusted back ends: not rate limited). */
  const isAdmin = (presented: PresentedKey | undefined) => presented?.carrier === 'header' && rolesOf(presented.key).includes('admin');

  return { check, isAdmin };
}
