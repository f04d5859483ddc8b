// createApp(options) builds the collector's Express app; listening is the caller's business (server.ts, tests).

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import type { BatchResponse, EventType, RecommendationResponse, RejectedEvent, SegmentResponse, Strategy } from '../sdk/wire';
import { createAuth, type Keys } from './auth';
import { errorHandler, HttpError, invalid, notFound } from './errors';
import { Personalizer, type PersonalizerOptions } from './personalizer';
import {
  LIMITS,
  batchSchema,
  catalogUpsertSchema,
  eventSchema,
  issuesOf,
  quarantineQuerySchema,
  recommendationQuerySchema,
  segmentQuerySchema,
  type ValidEvent,
} from './schemas';
import { openSqliteStore } from './store/sqlite';
import type { QuarantinedEvent, Store, StoredEvent } from './store/types';

export interface CollectorOptions {
  keys: Keys;
  /** SQLite file used when no `store` is given. */
  database?: string;
  store?: Store;
  /** Origins allowed to call the collector from a browser; '*' allows any. */
  corsOrigins?: string[];
  personalizer?: PersonalizerOptions;
  /** Folder holding the built SDK (patron.js), served at /patron.js; false to not serve it. */
  sdkDir?: string | false;
  log?: (message: string) => void;
}

export interface PatronApp extends Express {
  patron: {
    store: Store;
    personalizer: Personalizer;
    /** Stops background work and closes the store. */
    close(): Promise<void>;
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATABASE = path.join(ROOT, 'data', 'patron.db');

export async function createApp(options: CollectorOptions): Promise<PatronApp> {
  if (options.keys.write.length === 0) throw new Error('createApp: at least one write key is required');
  const log = options.log ?? ((message: string) => console.log(`[patron] ${message}`));
  const store = options.store ?? openSqliteStore({ file: options.database ?? DEFAULT_DATABASE });
  const personalizer = new Personalizer(store, { log, ...options.personalizer });
  await personalizer.start();
  const auth = createAuth(options.keys);

  const app = express() as PatronApp;
  app.disable('x-powered-by');
  app.patron = {
    store,
    personalizer,
    async close() {
      await personalizer.close();
      await store.close();
    },
  };

  app.use(cors(options.corsOrigins ?? []));
  // Beacons send text/plain to avoid a CORS preflight; both carry JSON.
  app.use(express.json({ limit: LIMITS.batchBytes, type: ['application/json', 'text/plain'] }));

  const sdkDir = options.sdkDir === undefined ? path.join(ROOT, 'dist') : options.sdkDir;
  if (sdkDir) {
    app.get(['/patron.js', '/patron.js.map'], (req, res, next) => {
      const file = path.join(sdkDir, path.basename(req.path));
      if (!fs.existsSync(file)) return next();
      res.set('Cache-Control', 'public, max-age=300').sendFile(file);
    });
  }

  app.get('/health', async (_req, res) => {
    res.json({ ok: true, events: await store.countEvents(), catalog: personalizer.catalogSize, segments: personalizer.segments.length });
  });

  async function ingest(rawEvents: unknown[], impliedType?: EventType) {
    const receivedAt = Date.now();
    const valid: StoredEvent[] = [];
    const rejected: RejectedEvent[] = [];
    const quarantined: QuarantinedEvent[] = [];
    rawEvents.forEach((raw, index) => {
      const candidate = impliedType && isRecord(raw) && raw.type === undefined ? { ...raw, type: impliedType } : raw;
      const serialised = JSON.stringify(raw) ?? 'null';
      const messageId = isRecord(raw) && typeof raw.messageId === 'string' ? raw.messageId.slice(0, LIMITS.idLength) : undefined;
      let issues;
      if (Buffer.byteLength(serialised) > LIMITS.eventBytes) {
        issues = [{ path: '(event)', message: `exceeds the limit of ${LIMITS.eventBytes} bytes per event` }];
      } else if (impliedType && isRecord(candidate) && candidate.type !== impliedType) {
        issues = [{ path: 'type', message: `must be '${impliedType}' on this endpoint` }];
      } else {
        const parsed = eventSchema.safeParse(candidate);
        if (parsed.success) valid.push(toStored(parsed.data, receivedAt));
        else issues = issuesOf(parsed.error);
      }
      if (issues) {
        rejected.push({ index, ...(messageId ? { messageId } : {}), issues });
        quarantined.push({ receivedAt, messageId: messageId ?? null, reasons: issues, raw: serialised });
      }
    });
    const { inserted, duplicates } = await store.insertEvents(valid);
    await store.quarantine(quarantined);
    for (const e of inserted) if (e.anonymousId && e.userId) await store.linkIdentity(e.anonymousId, e.userId, e.timestamp);
    personalizer.learn(inserted);
    return { success: true, accepted: inserted.length, duplicates, rejected } satisfies BatchResponse;
  }

  /** 200 when anything was stored (or was already); 400 when every event was rejected. */
  function answer(res: express.Response, result: BatchResponse) {
    if (result.accepted + result.duplicates > 0) return res.json(result);
    const first = result.rejected[0];
    res.status(400).json({
      ...result,
      error: { code: 'invalid_event', message: `No valid event: ${first.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues: first.issues },
    });
  }

  const write = auth('write');
  app.post('/v1/batch', write, async (req, res) => {
    const body = batchSchema.safeParse(req.body);
    if (!body.success) throw invalid(body.error, 'batch');
    answer(res, await ingest(body.data.batch));
  });
  for (const type of ['track', 'page', 'identify'] as const) {
    app.post(`/v1/${type}`, write, async (req, res) => {
      if (!isRecord(req.body)) throw new HttpError(400, 'invalid_request', 'Body must be a JSON object', [{ path: '(body)', message: 'must be an object' }]);
      const { writeKey: _key, ...event } = req.body;
      answer(res, await ingest([event], type));
    });
  }

  app.get('/v1/recommendations', write, (req, res) => {
    const query = recommendationQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { strategy, item, anonymousId, userId, limit, similarity } = query.data;
    const items = personalizer.recommend({ strategy: strategy as Strategy, item, anonymousId, userId, limit, similarity: similarity as never });
    res.set('Cache-Control', 'no-store');
    res.json({ recommendationId: randomUUID(), strategy: strategy as Strategy, items } satisfies RecommendationResponse);
  });

  app.get('/v1/segment', write, (req, res) => {
    const query = segmentQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { anonymousId, userId } = query.data;
    res.set('Cache-Control', 'no-store');
    res.json({ anonymousId: anonymousId ?? userId!, segment: personalizer.segmentOf(anonymousId, userId) } satisfies SegmentResponse);
  });

  const admin = auth('admin');
  app.put('/v1/catalog/items', admin, async (req, res) => {
    const body = catalogUpsertSchema.safeParse(req.body);
    if (!body.success) throw invalid(body.error, 'catalog');
    const upserted = await store.upsertItems(body.data.items);
    personalizer.setItems(body.data.items);
    res.json({ upserted });
  });
  app.get('/v1/catalog/items', admin, async (_req, res) => {
    res.json({ items: await store.listItems() });
  });
  app.post('/v1/segments/refit', admin, async (_req, res) => {
    await personalizer.refitSegments();
    res.json({ segments: personalizer.segments });
  });

  const analyst = auth('analyst');
  app.get('/v1/segments', analyst, (_req, res) => {
    res.json({ segments: personalizer.segments });
  });
  app.get('/v1/quarantine', analyst, async (req, res) => {
    const query = quarantineQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    res.json({ events: await store.listQuarantine(query.data.limit, query.data.before) });
  });

  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toStored(e: ValidEvent, receivedAt: number): StoredEvent {
  return {
    messageId: e.messageId,
    type: e.type,
    event: e.type === 'track' ? e.event : e.type === 'page' ? (e.name ?? null) : null,
    anonymousId: e.anonymousId ?? null,
    userId: e.userId ?? null,
    sessionId: e.context?.sessionId ?? null,
    timestamp: Date.parse(e.timestamp),
    receivedAt,
    properties: e.type === 'identify' ? {} : (e.properties ?? {}),
    context: e.context ?? {},
    traits: e.type === 'identify' ? (e.traits ?? {}) : null,
  };
}

function cors(origins: string[]): RequestHandler {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.get('origin');
    if (origin && (any || allowed.has(origin))) {
      res.set('Access-Control-Allow-Origin', any ? '*' : origin);
      res.vary('Origin');
      if (req.method === 'OPTIONS') {
        res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, OPTIONS');
        res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.set('Access-Control-Max-Age', '86400');
        return res.status(204).end();
      }
    }
    next();
  };
}
