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

/** The key a request presents: Basic (Segment's `writeKey:`), Bearer, or `writeKey` in the body or query. */
export function presentedKey(req: IncomingMessage, body: unknown, allowInBody: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    let key = fromHeader.get(header);
    if (key === undefined && !fromHeader.has(header)) {
      key = keyInHeader(header);
      if (fromHeader.size >= 1000) fromHeader.clear();
      fromHeader.set(header, key);
    }
    if (key !== undefined) return key;
  }
  if (!allowInBody) return undefined;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? (body as { writeKey?: unknown }).writeKey : undefined;
  const fromQuery = new URL(req.url ?? '/', 'http://x').searchParams.get('writeKey') ?? undefined;
  const key = fromBody ?? fromQuery;
  return typeof key === 'string' ? key : undefined;
}

/** The key in an Authorization header: Basic (the user name), or Bearer. */
function keyInHeader(header: string): string | undefined {
  const [scheme, value = ''] = header.split(' ', 2);
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  if (/^bearer$/i.test(scheme)) return value.trim();
  return undefined;
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
    const key = presentedKey(req, body, role === 'write');
    if (key === undefined) throw new HttpError(401, 'unauthorized', `Missing ${role} key`);
    const roles = rolesOf(key);
    if (!opens[role].some((r) => roles.includes(r))) throw new HttpError(401, 'unauthorized', `Unknown ${role} key`);
  }

  /** Whether `key` is an admin key (trusted back ends: not rate limited). */
  const isAdmin = (key: string | undefined) => key !== undefined && rolesOf(key).includes('admin');

  return { check, isAdmin };
}
