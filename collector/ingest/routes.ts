// Ingest over HTTP: POST /v1/batch and one route per Segment call (/v1/track, /v1/page, ...), on the fast path,
// reading their own body (ingest journals its bytes); and the analysts' view of what was rejected.

import type { BatchResponse, EventType } from '../../sdk/wire';
import { EVENT_TYPES, eventSchema } from '../domain/event';
import { LIMITS } from '../domain/limits';
import { isRecord, singleEventOf } from '../domain/stored-event';
import { readJson } from '../http/body';
import { HttpError, invalid } from '../http/errors';
import { reply, route, type Route } from '../http/route';
import type { EventStore } from '../store/store';
import type { Ingest } from './ingest';
import { repeatedKeysOf } from './duplicate-keys';
import { batchSchema, quarantineQuerySchema } from './schemas';

/** The events of a batch envelope: checked by hand when it is plainly right (every batch), else by zod. */
function batchOf(body: unknown): unknown[] {
  if (isRecord(body)) {
    const { batch, writeKey, sentAt, dropped } = body;
    const plain =
      Array.isArray(batch) &&
      batch.length >= 1 &&
      batch.length <= LIMITS.batchEvents &&
      (writeKey === undefined || typeof writeKey === 'string') &&
      (sentAt === undefined || typeof sentAt === 'string') &&
      (dropped === undefined || (Number.isInteger(dropped) && (dropped as number) >= 0 && (dropped as number) <= 1e9));
    if (plain) return batch;
  }
  const envelope = batchSchema.safeParse(body);
  if (!envelope.success) throw invalid(envelope.error, 'batch');
  return envelope.data.batch;
}

/** A batch (no implied type) or one event whose type its endpoint implies. */
function ingestRoute(ingest: Ingest, path: string, impliedType: EventType | undefined, summary: string, responses: Record<string, string>): Route {
  // The body is read by the handler itself: its schema here is what the document shows.
  return route<undefined, unknown>({
    method: 'post',
    path,
    summary,
    role: 'write',
    body: impliedType ? eventSchema : batchSchema,
    responses,
    fast: true,
    ownBody: true,
    handle: async ({ req, authorize, charge }) => {
      const { body, raw, text } = await readJson(req, LIMITS.batchBytes);
      authorize(body);
      // The bytes are charged before any work on them; the events once they are counted.
      charge(0, raw.length);
      const repeated = repeatedKeysOf(text, body, impliedType !== undefined);
      if (repeated.envelope.length) {
        const issues = repeated.envelope.map((path) => ({ path, message: 'appears more than once (duplicate key)' }));
        throw new HttpError(400, 'invalid_request', `Duplicate key in the batch: ${repeated.envelope.join(', ')}`, issues);
      }
      let events: unknown[];
      if (impliedType) {
        if (!isRecord(body)) throw new HttpError(400, 'invalid_request', 'Body must be a JSON object', [{ path: '(body)', message: 'must be an object' }]);
        events = [singleEventOf(body)];
      } else {
        events = batchOf(body);
      }
      charge(events.length);
      const envelope = impliedType ? undefined : (body as { dropped?: number; sentAt?: unknown });
      const result = await ingest({ events, impliedType, body: raw, refused: repeated.events, dropped: envelope?.dropped, sentAt: envelope?.sentAt });
      return result.accepted + result.duplicates > 0 ? result : noValidEvent(result);
    },
  });
}

/** Every event was rejected: a client error, with the same body. */
function noValidEvent(result: BatchResponse) {
  const first = result.rejected[0];
  return reply.json(400, {
    ...result,
    error: { code: 'invalid_event', message: `No valid event: ${first.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues: first.issues },
  });
}

// The paths real tracking clients post to, beside Segment's HTTP API: analytics-next (apiHost ending in /v1)
// posts each call to its initial and batches to /v1/b; RudderStack's beacon mode posts to /beacon/v1/batch.
const SEGMENT_INITIALS: Record<EventType, string> = { track: 't', page: 'p', identify: 'i', screen: 's', group: 'g', alias: 'a' };
const BATCH_PATHS = ['/v1/batch', '/v1/b', '/beacon/v1/batch'];

const UNAVAILABLE = 'cannot store now, a full disk (Retry-After): nothing acknowledged';
const BATCH_RESPONSES = {
  '200': 'stored (duplicates counted as success)',
  '400': 'no valid event',
  '413': 'body too large',
  '415': 'unsupported type or coding',
  '429': 'rate limited (Retry-After)',
  '503': UNAVAILABLE,
};
const EVENT_RESPONSES = { '200': 'stored', '400': 'invalid event', '429': 'rate limited', '503': UNAVAILABLE };

export function ingestRoutes(ingest: Ingest, store: EventStore): Route[] {
  const batchSummary = (path: string) =>
    path === '/v1/batch'
      ? 'Store a batch of Segment-style events (invalid ones quarantined, listed by index)'
      : `The same as /v1/batch, where ${path === '/v1/b' ? "Segment's analytics-next" : "RudderStack's beacon"} posts`;
  return [
    ...BATCH_PATHS.map((path) => ingestRoute(ingest, path, undefined, batchSummary(path), BATCH_RESPONSES)),
    ...EVENT_TYPES.map((type) => ingestRoute(ingest, `/v1/${type}`, type, `Store one ${type} event`, EVENT_RESPONSES)),
    ...EVENT_TYPES.map((type) => ingestRoute(ingest, `/v1/${SEGMENT_INITIALS[type]}`, type, `The same as /v1/${type}, where Segment's analytics-next posts`, EVENT_RESPONSES)),
    route({
      method: 'get',
      path: '/v1/quarantine',
      summary: 'Rejected events with their reasons (and the start of each as it arrived), newest first; how many were dropped by age and by the cap',
      role: 'analyst',
      query: quarantineQuerySchema,
      handle: async ({ query }) => ({ events: await store.listQuarantine(query.limit, query.before), dropped: await store.quarantineDropped() }),
    }),
  ];
}
