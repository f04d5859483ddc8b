// A person's requests over HTTP (admin key): their data exported (JSON, and the events as NDJSON), them deleted
// (one, or many in a request) with each deletion's status and verification, suppression without deletion (an
// opt-out) and its undoing, and the audit log of it all.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { presentedKey } from '../http/auth';
import { HttpError } from '../http/errors';
import { reply, route, type Route } from '../http/route';
import type { DeletionRecord } from '../store/store';
import type { People } from './people';
import type { SuppressionList } from './suppression';
import { auditQuerySchema, deletionIdSchema, idsBodySchema, personIdSchema, suppressBodySchema, unsuppressBodySchema } from './schemas';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Who asked: the role and a fingerprint of the key (never the key), for the audit log. */
export function actorOf(req: IncomingMessage): string {
  const key = presentedKey(req, undefined, false)?.key ?? '';
  return `admin key ${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/** A deletion as the API shows it: its ids only as hashes. */
function body(r: DeletionRecord) {
  return {
    id: r.id,
    status: r.status,
    requestedAt: iso(r.requestedAt),
    doneAt: iso(r.doneAt),
    verifiedAt: iso(r.verifiedAt),
    actor: r.actor,
    hashes: r.hashes,
    removed: r.removed,
    foundIn: r.foundIn,
    caveats: r.caveats ?? [],
  };
}

export function peopleRoutes(people: People, suppression: SuppressionList): Route[] {
  const deletion = async (id: string) => {
    const record = await people.deletion(id);
    if (!record) throw new HttpError(404, 'not_found', `No deletion request ${id}`);
    return record;
  };
  const ID = { id: { description: "a person's id (user id or anonymous id)", schema: personIdSchema } };
  return [
    route({
      method: 'get',
      path: '/v1/deletions',
      summary: 'Every deletion request, newest first, with its status (pending, done, verified)',
      role: 'admin',
      handle: async () => ({ deletions: (await people.deletions()).map(body) }),
    }),
    route({
      method: 'get',
      path: '/v1/deletions/:id',
      summary: 'One deletion request: its status, what it removed, when it was verified (or where an id was still found)',
      role: 'admin',
      params: { id: { description: 'deletion request id', schema: deletionIdSchema } },
      responses: { '404': 'no such request' },
      handle: async ({ params }) => body(await deletion(params.id)),
    }),
    route<undefined, z.output<typeof idsBodySchema>>({
      method: 'post',
      path: '/v1/deletions/:id/verify',
      summary: "Search every place for a deletion's ids again (after a restart only their hashes are kept: give the ids)",
      role: 'admin',
      params: { id: { description: 'deletion request id', schema: deletionIdSchema } },
      body: idsBodySchema,
      bodyName: 'verification',
      responses: { '404': 'no such request', '409': 'not done yet, or ids not the request' },
      handle: async ({ params, body: b }) => {
        const record = await deletion(params.id);
        if (record.status === 'pending') throw new HttpError(409, 'conflict', 'The deletion is still pending');
        try {
          return body(await people.verifyWith(record, b.ids));
        } catch (error) {
          throw new HttpError(409, 'conflict', (error as Error).message, [{ path: 'ids', message: (error as Error).message }]);
        }
      },
    }),
    route<undefined, z.output<typeof idsBodySchema>>({
      method: 'post',
      path: '/v1/people/delete',
      summary: 'Delete many people (each across their linked ids): suppressed at once, forgotten in the background',
      role: 'admin',
      body: idsBodySchema,
      bodyName: 'deletion',
      responses: { '202': 'suppressed; deletion pending' },
      handle: async ({ body: b, req }) => reply.json(202, { deletions: (await people.delete(b.ids, actorOf(req))).map(body) }),
    }),
    route<undefined, z.output<typeof suppressBodySchema>>({
      method: 'post',
      path: '/v1/people/suppress',
      summary: "Drop people's further events at ingest without deleting what is stored (an opt-out)",
      role: 'admin',
      body: suppressBodySchema,
      bodyName: 'suppression',
      handle: async ({ body: b, req }) => {
        const hashes = await suppression.add(b.ids, 'opted-out', Date.now());
        await people.audit(actorOf(req), 'suppress', hashes.join(','), { reason: 'opted-out' });
        return { suppressed: hashes };
      },
    }),
    route<undefined, z.output<typeof unsuppressBodySchema>>({
      method: 'post',
      path: '/v1/people/unsuppress',
      summary: "Accept people's events again: by their ids, or by the hashes the list keeps",
      role: 'admin',
      body: unsuppressBodySchema,
      bodyName: 'unsuppression',
      responses: { '409': 'a deletion of the person is pending' },
      handle: async ({ body: b, req }) => {
        const hashes = [...(b.ids ?? []).map((id) => suppression.hashOf(id)), ...(b.hashes ?? [])];
        // A deletion still at work needs its person kept out until it is done.
        const pending = (await people.deletions('pending')).flatMap((r) => r.hashes);
        const held = hashes.filter((h) => pending.includes(h));
        if (held.length) throw new HttpError(409, 'conflict', 'A deletion of this person is still pending', [{ path: b.ids ? 'ids' : 'hashes', message: 'names a person whose deletion is pending' }]);
        const removed: string[] = [];
        for (const hash of hashes) if (await suppression.remove(hash)) removed.push(hash);
        await people.audit(actorOf(req), 'unsuppress', removed.join(','), { asked: hashes.length });
        return { unsuppressed: removed };
      },
    }),
    route({
      method: 'get',
      path: '/v1/suppressions',
      summary: 'The suppression list: hashed ids (HMAC-SHA-256 under a key of this store), why and since when; and the events it dropped',
      role: 'admin',
      handle: () => ({ suppressions: suppression.list().map((s) => ({ ...s, at: iso(s.at) })), droppedEvents: suppression.dropped }),
    }),
    route({
      method: 'get',
      path: '/v1/people/:id',
      summary: 'Everything Patron holds about a person, across their linked ids (GDPR article 15)',
      role: 'admin',
      params: ID,
      handle: async ({ params, req }) => people.export(params.id, actorOf(req)),
    }),
    route({
      method: 'get',
      path: '/v1/people/:id/events',
      summary: "A person's events, across their linked ids, as NDJSON in time order",
      role: 'admin',
      params: ID,
      handle: ({ params, req }) => reply.stream('application/x-ndjson', 'events.ndjson', people.eventLines(params.id, actorOf(req))),
    }),
    route({
      method: 'delete',
      path: '/v1/people/:id',
      summary: 'Delete a person, across their linked ids, from every place Patron keeps data (GDPR article 17): suppressed at once, forgotten in the background',
      role: 'admin',
      params: ID,
      responses: { '202': 'suppressed; deletion pending' },
      handle: async ({ params, req }) => reply.json(202, body((await people.delete([params.id], actorOf(req)))[0])),
    }),
    route({
      method: 'get',
      path: '/v1/audit',
      summary: 'The audit log of exports, deletions and suppressions (who, when, what), newest first',
      role: 'admin',
      query: auditQuerySchema,
      handle: async ({ query }) => ({
        entries: (await people.auditLog(query.limit, query.before)).map((e) => ({ ...e, at: iso(e.at) })),
      }),
    }),
  ];
}
