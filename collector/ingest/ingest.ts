// Event ingest: the one handler behind POST /v1/batch, /v1/track, /v1/page and /v1/identify. It is written
// against node:http's request and response, so app.listen can serve it ahead of Express (the hot path skips
// Express's per-request work) while the Express routes call the very same function.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BatchResponse, EventType, Issue, RejectedEvent } from '../../sdk/wire';
import { HttpError, invalid, toErrorResponse } from '../http/errors';
import { fastValid } from './fast-validate';
import type { Personalizer } from '../personalizer';
import { LIMITS } from '../domain/limits';
import { batchSchema } from './schemas';
import { eventSchema, type ValidEvent } from '../domain/event';
import { issuesOf } from '../http/errors';
import type { QuarantinedEvent, StoredEvent } from '../domain/stored-event';
import type { Store } from '../store/store';
import { isRecord, singleEventOf, toStored, withImpliedType } from '../domain/stored-event';

export { toStored };

export const INGEST_PATHS: Record<string, EventType | undefined> = {
  '/v1/batch': undefined,
  '/v1/track': 'track',
  '/v1/page': 'page',
  '/v1/identify': 'identify',
  '/v1/screen': 'screen',
  '/v1/group': 'group',
  '/v1/alias': 'alias',
};

export interface IngestDeps {
  store: Store;
  personalizer: Personalizer;
  /** Checks the write key (from the header or the body); throws an HttpError when it is wrong. */
  authorize: (req: IncomingMessage, body: unknown) => void;
  /** Applies CORS headers; true when it answered a preflight itself. */
  cors: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Throws an HttpError (429) when the caller is over its rate. */
  limit?: (req: IncomingMessage, body: unknown, events: number) => void;
  log: (message: string) => void;
}

/**
 * Whether objects and arrays nest deeper than `limit`. Recursion stops at the limit, so hostile depth cannot
 * overflow the stack; nothing is allocated (this runs on every event).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child = value[i];
      if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
  }
  return false;
}

/** JSON for the quarantine, whatever arrives: never throws, never stores more than `max` characters. */
function quarantineText(raw: unknown, max: number): string {
  if (nestsDeeperThan(raw, LIMITS.depth * 4)) return '"(not kept: nested too deeply)"';
  try {
    return (JSON.stringify(raw) ?? 'null').slice(0, max);
  } catch (error) {
    return JSON.stringify(`(not kept: ${(error as Error).message})`);
  }
}

/** Validates, stores and learns from a list of raw events; what is invalid is quarantined with its reasons. */
export function createIngest({ store, personalizer }: Pick<IngestDeps, 'store' | 'personalizer'>) {
  /**
   * `body`: the request body the events came in (a batch, or one event when the endpoint implies its type):
   * the store may keep it as it arrived. A body under the per-event limit needs no size check per event.
   */
  return async function ingest(rawEvents: unknown[], impliedType?: EventType, body?: Buffer): Promise<BatchResponse> {
    const receivedAt = Date.now();
    const small = body !== undefined && body.length <= LIMITS.eventBytes;
    const valid: StoredEvent[] = [];
    // Where each valid event is in the body, when it is stored as it arrived there (-1: zod's reading of it).
    const positions: number[] = [];
    const rejected: RejectedEvent[] = [];
    const quarantined: QuarantinedEvent[] = [];
    for (let index = 0; index < rawEvents.length; index++) {
      const raw = rawEvents[index];
      const candidate = withImpliedType(raw, impliedType);
      let issues: Issue[] | undefined;
      if (impliedType && isRecord(candidate) && candidate.type !== impliedType) {
        issues = [{ path: 'type', message: `must be '${impliedType}' on this endpoint` }];
      } else if (nestsDeeperThan(raw, LIMITS.depth)) {
        issues = [{ path: '(event)', message: `nests objects or arrays deeper than ${LIMITS.depth} levels` }];
      } else if (!small && Buffer.byteLength(JSON.stringify(raw) ?? '') > LIMITS.eventBytes) {
        issues = [{ path: '(event)', message: `exceeds the limit of ${LIMITS.eventBytes} bytes per event` }];
      } else if (fastValid(candidate, receivedAt)) {
        // Accepted by the fast check, so zod would accept it unchanged (test/collector/fast-validate.test.ts).
        valid.push(toStored(candidate as ValidEvent, receivedAt));
        positions.push(index);
      } else {
        const parsed = eventSchema.safeParse(candidate);
        if (parsed.success) {
          valid.push(toStored(parsed.data, receivedAt));
          positions.push(-1);
        } else issues = issuesOf(parsed.error);
      }
      if (issues) {
        const messageId = isRecord(raw) && typeof raw.messageId === 'string' ? raw.messageId.slice(0, LIMITS.idLength) : undefined;
        rejected.push({ index, ...(messageId ? { messageId } : {}), issues });
        quarantined.push({ receivedAt, messageId: messageId ?? null, reasons: issues, raw: quarantineText(raw, LIMITS.batchBytes) });
      }
    }
    const source = body && { body, positions, impliedType, single: impliedType !== undefined };
    // Written together, so they share one journal write.
    const [{ inserted, duplicates }] = await Promise.all([store.insertEvents(valid, source), quarantined.length ? store.quarantine(quarantined) : undefined]);
    // New ties between an earlier id and a user: every event naming both, and alias calls.
    const links = new Map<string, { userId: string; at: number }>();
    for (const e of inserted) {
      const earlier = e.type === 'alias' ? (e.properties.previous_id as string) : e.anonymousId;
      if (earlier && e.userId && earlier !== e.userId && personalizer.linkedUser(earlier) !== e.userId) links.set(earlier, { userId: e.userId, at: e.timestamp });
    }
    const deltas = personalizer.learn(inserted);
    await Promise.all([
      ...[...links].map(([earlier, { userId, at }]) => store.linkIdentity(earlier, userId, at)),
      deltas.stats.length ? store.addSlotStats(deltas.stats, deltas.attributions) : undefined,
    ]);
    return { success: true, accepted: inserted.length, duplicates, rejected };
  };
}

/** The request body as JSON, and its bytes; 413 past `limit` bytes, 415 for a type other than JSON or text, 400 if malformed. */
export function readJson(req: IncomingMessage, limit: number): Promise<{ body: unknown; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'text/plain') {
      req.resume();
      return reject(new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json or text/plain, not ${type}`));
    }
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      return reject(new HttpError(413, 'payload_too_large', `Body exceeds the limit of ${limit} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpError(413, 'payload_too_large', `Body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (error) => {
      if (!failed) reject(new HttpError(400, 'bad_request', `Could not read the body: ${error.message}`));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const raw = Buffer.concat(chunks, size);
      try {
        resolve({ body: JSON.parse(raw.toString('utf8')), raw });
      } catch (error) {
        reject(new HttpError(400, 'invalid_json', 'Body is not valid JSON', [{ path: '(body)', message: (error as Error).message }]));
      }
    });
  });
}

/** The events of a batch envelope: checked by hand when it is plainly right (every batch), else by zod. */
function batchOf(body: unknown): unknown[] {
  if (isRecord(body)) {
    const { batch, writeKey, sentAt, dropped } = body as Record<string, unknown>;
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

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function createIngestHandler(deps: IngestDeps) {
  const ingest = createIngest(deps);
  return async function handleIngest(req: IncomingMessage, res: ServerResponse, impliedType?: EventType): Promise<void> {
    try {
      if (deps.cors(req, res)) return;
      const { body, raw } = await readJson(req, LIMITS.batchBytes);
      deps.authorize(req, body);
      let events: unknown[];
      if (impliedType) {
        if (!isRecord(body)) throw new HttpError(400, 'invalid_request', 'Body must be a JSON object', [{ path: '(body)', message: 'must be an object' }]);
        events = [singleEventOf(body)];
      } else {
        events = batchOf(body);
      }
      deps.limit?.(req, body, events.length);
      const dropped = (body as { dropped?: number }).dropped;
      if (!impliedType && dropped) await deps.store.addClientDropped(dropped);
      const result = await ingest(events, impliedType, raw);
      if (result.accepted + result.duplicates > 0) return sendJson(res, 200, result);
      // Every event was rejected: a client error, with the same body.
      const first = result.rejected[0];
      sendJson(res, 400, {
        ...result,
        error: { code: 'invalid_event', message: `No valid event: ${first.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues: first.issues },
      });
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error, deps.log);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      sendJson(res, status, body);
    }
  };
}
