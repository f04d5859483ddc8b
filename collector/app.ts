// createApp(options) builds the collector's Express app; listening is the caller's business (server.ts, tests).

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { STRATEGIES, type ProfileResponse, type PublicProfileField, type RecommendationResponse, type SegmentResponse, type Strategy } from '../sdk/wire';
import { profileOf, registerCustomerRoutes } from './customers-api';
import { sendCsv } from './http/csv';
import { exportChunks } from './reports/export';
import { openApiDocument } from './http/openapi';
import { createAuth, type Keys } from './http/auth';
import { errorHandler, HttpError, invalid, notFound, toErrorResponse } from './http/errors';
import { INGEST_PATHS, createIngestHandler, sendJson } from './ingest/ingest';
import { DEFAULT_RATE_LIMITS, createRateLimiter, type RateLimits } from './http/rate-limit';
import { Personalizer, type PersonalizerOptions } from './personalizer';
import { LIMITS } from './domain/limits';
import { catalogUpsertSchema } from './catalog/schemas';
import { eventsQuerySchema, exportQuerySchema, funnelQuerySchema, topProductsQuerySchema, retentionQuerySchema } from './reports/schemas';
import { quarantineQuerySchema } from './ingest/schemas';
import { recommendationQuerySchema, slotReportQuerySchema } from './slots/schemas';
import { segmentQuerySchema } from './customers/schemas';
import { slotConfigSchema, slotNameSchema, type SlotConfig } from './domain/slot-config';
import { openSqliteStore } from './store/sqlite/sqlite';
import type { Store } from './store/store';

export interface CollectorOptions {
  keys: Keys;
  /** SQLite file used when no `store` is given. */
  database?: string;
  store?: Store;
  /** Origins allowed to call the collector from a browser; '*' allows any. */
  corsOrigins?: string[];
  personalizer?: PersonalizerOptions;
  /** Token buckets per write key and per client address; false turns rate limiting off. */
  rateLimits?: RateLimits | false;
  /** Figures /v1/profile may show the page besides segment, RFM group and churn risk (none by default). */
  profilePublic?: PublicProfileField[];
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
    /** A node:http request handler: ingest on its fast path, the rest through Express (what listen() serves). */
    handler: (req: IncomingMessage, res: ServerResponse) => void;
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATABASE = path.join(ROOT, 'data', 'patron.db');

export async function createApp(options: CollectorOptions): Promise<PatronApp> {
  if (options.keys.write.length === 0) throw new Error('createApp: at least one write key is required');
  const log = options.log ?? ((message: string) => console.log(`[patron] ${message}`));
  const store = options.store ?? openSqliteStore({ file: options.database ?? DEFAULT_DATABASE, log });
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
    handler: app,
  };

  const cors = createCors(options.corsOrigins ?? []);
  const limit = options.rateLimits === false ? undefined : createRateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, auth.isAdmin);
  const handleIngest = createIngestHandler({ store, personalizer, authorize: (req, body) => auth.check('write', req, body), cors, limit, log });
  // Ingest reads its own body: registered before the JSON parser, and served ahead of Express by listen().
  for (const [route, type] of Object.entries(INGEST_PATHS)) {
    app.post(route, (req, res, next) => void handleIngest(req, res, type).catch(next));
  }
  app.use((req, res, next) => (cors(req, res) ? undefined : next()));
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

  // The analysts' and merchants' dashboard: static files; the key entered on the page does the rest.
  const dashboardFiles: Record<string, [string, string]> = {
    '/dashboard': [path.join(ROOT, 'collector', 'dashboard', 'index.html'), 'html'],
    '/dashboard/dashboard.css': [path.join(ROOT, 'collector', 'dashboard', 'dashboard.css'), 'css'],
    '/dashboard/dashboard.js': [path.join(sdkDir || path.join(ROOT, 'dist'), 'dashboard.js'), 'js'],
    '/dashboard/dashboard.js.map': [path.join(sdkDir || path.join(ROOT, 'dist'), 'dashboard.js.map'), 'json'],
  };
  app.get(Object.keys(dashboardFiles), (req, res, next) => {
    const [file, type] = dashboardFiles[req.path.replace(/\/$/, '')];
    if (!fs.existsSync(file)) return next();
    res
      .set({
        'Content-Security-Policy': "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      })
      .type(type)
      .sendFile(file);
  });

  const openApi = openApiDocument((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  app.get('/health', async (_req, res) => {
    res.json({ ok: true, events: await store.countEvents(), catalog: personalizer.catalogSize, segments: personalizer.segments.length, droppedByClients: await store.clientDropped() });
  });

  // Reads by the public write key cost one token per request.
  const write: express.RequestHandler = (req, _res, next) => {
    try {
      auth.check('write', req, req.body);
      limit?.(req, req.body, 1);
      next();
    } catch (error) {
      next(error);
    }
  };
  // The storefront's reads. Served by Express for an app mounted elsewhere, and by listen() on the same fast
  // path as ingest: at a thousand requests a second Express's per-request objects outlive young-generation
  // collections and make every GC pause several times longer.
  const reads: Record<string, (query: unknown) => RecommendationResponse | SegmentResponse | ProfileResponse> = {
    '/v1/profile': (raw) => profileOf(personalizer, raw, options.profilePublic ?? []),
    '/v1/recommendations': (raw) => {
      const query = recommendationQuerySchema.safeParse(raw);
      if (!query.success) throw invalid(query.error, 'query');
      const { slot: name, strategy, item, anonymousId, userId, limit, similarity, cart } = query.data;
      // A named slot is the merchant's configuration; a slot named after a strategy works without one.
      const slot = name === undefined ? undefined : personalizer.slot(name)?.config;
      if (name !== undefined && !slot && !(STRATEGIES as string[]).includes(name)) {
        throw new HttpError(404, 'unknown_slot', `No slot named ${name}`, [{ path: 'slot', message: 'is not a configured slot' }]);
      }
      const used = slot?.strategy ?? strategy ?? (name as Strategy);
      const items = personalizer.recommend({ slot, strategy: used, item, anonymousId, userId, limit, similarity: similarity as never, cart: cart?.split(',').filter(Boolean) });
      return { recommendationId: randomUUID(), ...(name ? { slot: name } : {}), strategy: used, items };
    },
    '/v1/segment': (raw) => {
      const query = segmentQuerySchema.safeParse(raw);
      if (!query.success) throw invalid(query.error, 'query');
      const { anonymousId, userId } = query.data;
      return { anonymousId: anonymousId ?? userId!, segment: personalizer.segmentOf(anonymousId, userId) };
    },
  };
  app.get(Object.keys(reads), write, (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(reads[req.path](req.query));
  });
  const handleRead = (req: IncomingMessage, res: ServerResponse, read: (query: unknown) => unknown, search: string) => {
    try {
      if (cors(req, res)) return;
      auth.check('write', req);
      limit?.(req, undefined, 1);
      const body = read(Object.fromEntries(new URLSearchParams(search)));
      res.setHeader('Cache-Control', 'no-store');
      sendJson(res, 200, body);
    } catch (error) {
      const { status, body, headers } = toErrorResponse(error, log);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      sendJson(res, status, body);
    }
  };

  const admin = auth.require('admin');
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
  app.delete('/v1/catalog/items/:id', admin, async (req, res) => {
    const id = req.params.id as string;
    personalizer.deleteItems([id]);
    if ((await store.deleteItems([id])) === 0) throw new HttpError(404, 'not_found', `No product ${id} in the catalog`);
    res.status(204).end();
  });

  // Slots: the merchant's configuration of where and what Patron recommends.
  const slotName = (raw: unknown) => {
    const name = slotNameSchema.safeParse(raw);
    if (!name.success) throw invalid(name.error, 'slot name');
    return name.data;
  };
  const slotBody = (name: string, s: { config: SlotConfig; updatedAt: number }) => ({ name, ...s.config, updatedAt: new Date(s.updatedAt).toISOString() });
  app.get('/v1/slots', admin, (_req, res) => {
    res.json({ slots: personalizer.slots().map((s) => slotBody(s.name, s)) });
  });
  app.get('/v1/slots/:name', admin, (req, res) => {
    const name = slotName(req.params.name);
    const slot = personalizer.slot(name);
    if (!slot) throw new HttpError(404, 'not_found', `No slot named ${name}`);
    res.json(slotBody(name, slot));
  });
  app.put('/v1/slots/:name', admin, async (req, res) => {
    const name = slotName(req.params.name);
    const config = slotConfigSchema.safeParse(req.body);
    if (!config.success) throw invalid(config.error, 'slot');
    const at = Date.now();
    const created = await store.putSlot(name, config.data, at);
    personalizer.setSlot(name, config.data, at);
    res.status(created ? 201 : 200).json(slotBody(name, { config: config.data, updatedAt: at }));
  });
  app.delete('/v1/slots/:name', admin, async (req, res) => {
    const name = slotName(req.params.name);
    if (!(await store.deleteSlot(name))) throw new HttpError(404, 'not_found', `No slot named ${name}`);
    personalizer.removeSlot(name);
    res.status(204).end();
  });
  app.post('/v1/segments/refit', admin, async (_req, res) => {
    await personalizer.refitSegments();
    res.json({ segments: personalizer.segments });
  });

  const analyst = auth.require('analyst');
  registerCustomerRoutes(app, personalizer, analyst);
  app.get('/v1/reports/slots', analyst, async (req, res) => {
    const query = slotReportQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { format, ...q } = query.data;
    const rows = (await store.slotReport(q)).map((r) => ({ ...r, ctr: r.impressions ? r.clicks / r.impressions : 0 }));
    if (format === 'csv') return sendCsv(res, 'slots', ['day', 'slot', 'impressions', 'clicks', 'ctr', 'orders', 'revenue'], rows);
    const totals = new Map<string, { slot: string; impressions: number; clicks: number; orders: number; revenue: number }>();
    for (const r of rows) {
      const t = totals.get(r.slot) ?? { slot: r.slot, impressions: 0, clicks: 0, orders: 0, revenue: 0 };
      t.impressions += r.impressions;
      t.clicks += r.clicks;
      t.orders += r.orders;
      t.revenue += r.revenue;
      totals.set(r.slot, t);
    }
    res.json({ days: rows, slots: [...totals.values()].map((t) => ({ ...t, ctr: t.impressions ? t.clicks / t.impressions : 0 })) });
  });
  app.get('/v1/query/events', analyst, async (req, res) => {
    const query = eventsQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { event, type, from, to, userId, anonymousId, productId, interval, by, measures, format, limit, ...rest } = query.data;
    const properties = Object.entries(rest).map(([key, value]) => [key.slice('prop.'.length), value] as [string, string]);
    const q = { events: event?.split(',').map((e) => e.trim()).filter(Boolean), type, from, to, userId, anonymousId, productId, properties, interval, by, measures, limit };
    const rows = personalizer.queryEvents(q) ?? (await store.queryEvents(q));
    if (format === 'csv') {
      const columns = [...(interval ? ['bucket'] : []), ...(by ? ['group'] : []), ...measures];
      sendCsv(res, 'events', columns, rows);
      return;
    }
    res.json({ rows });
  });
  app.get('/v1/query/retention', analyst, async (req, res) => {
    const query = retentionQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { format, ...q } = query.data;
    const rows = personalizer.retention(q);
    // Cohort size is offset 0; rate = active / size.
    const sizes = new Map(rows.filter((r) => r.offset === 0).map((r) => [r.cohort, r.customers]));
    const withRates = rows.map((r) => ({ ...r, size: sizes.get(r.cohort) ?? 0, rate: r.customers / (sizes.get(r.cohort) || 1) }));
    if (format === 'csv') {
      sendCsv(res, 'retention', ['cohort', 'size', 'offset', 'customers', 'rate'], withRates);
      return;
    }
    const cohorts = [...sizes.keys()].map((cohort) => {
      const own = withRates.filter((r) => r.cohort === cohort);
      const periods = Math.max(...own.map((r) => r.offset)) + 1;
      const active = Array.from({ length: periods }, (_, offset) => own.find((r) => r.offset === offset)?.customers ?? 0);
      return { cohort, size: sizes.get(cohort)!, active, rates: active.map((n) => n / sizes.get(cohort)!) };
    });
    res.json({ interval: q.interval, basis: q.basis, cohorts });
  });
  // Every stored event, streamed page by page at the pace the client reads.
  app.get('/v1/export/events', analyst, async (req, res) => {
    const query = exportQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { format, from, to } = query.data;
    res.type(format === 'csv' ? 'text/csv' : 'application/x-ndjson').set('Content-Disposition', `attachment; filename="events.${format}"`);
    let gone = false;
    res.on('close', () => (gone = true));
    for await (const chunk of exportChunks(store, format, { from, to })) {
      if (gone) return;
      if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', () => resolve()).once('close', () => resolve()));
    }
    res.end();
  });
  app.get('/v1/query/top-products', analyst, async (req, res) => {
    const query = topProductsQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { format, ...q } = query.data;
    const products = await store.topProducts(q);
    if (format === 'csv') {
      sendCsv(res, 'top-products', ['productId', 'views', 'cartAdds', 'orders', 'revenue'], products);
      return;
    }
    res.json({ products });
  });
  app.get('/v1/query/funnel', analyst, async (req, res) => {
    const query = funnelQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    const { steps, within, from, to, bySegment, format } = query.data;
    const segmentKey = (person: string) => String(personalizer.segmentIdOf(person) ?? '');
    const counts = personalizer.funnel({ steps, windowMs: within, from, to }, bySegment === 'true' ? segmentKey : undefined);
    const describe = (people: number[]) =>
      steps.map((name, k) => ({ step: name, people: people[k], conversion: people[0] ? people[k] / people[0] : 0, dropOff: k === 0 || !people[k - 1] ? 0 : 1 - people[k] / people[k - 1] }));
    const total = steps.map((_, k) => [...counts.values()].reduce((s, list) => s + list[k], 0));
    const segments = [...counts.entries()].map(([key, people]) => {
      const s = personalizer.segments.find((x) => String(x.id) === key);
      return { segment: s ? { id: s.id, slug: s.slug, label: s.label } : null, steps: describe(people) };
    });
    if (format === 'csv') {
      const rows = [{ segment: '(all)', list: describe(total) }, ...(bySegment === 'true' ? segments.map((s) => ({ segment: s.segment?.slug ?? '(none)', list: s.steps })) : [])].flatMap((g) =>
        g.list.map((r) => ({ segment: g.segment, ...r })),
      );
      sendCsv(res, 'funnel', ['segment', 'step', 'people', 'conversion', 'dropOff'], rows);
      return;
    }
    res.json({ within, steps: describe(total), ...(bySegment === 'true' ? { segments } : {}) });
  });
  app.get('/v1/quarantine', analyst, async (req, res) => {
    const query = quarantineQuerySchema.safeParse(req.query);
    if (!query.success) throw invalid(query.error, 'query');
    res.json({ events: await store.listQuarantine(query.data.limit, query.data.before) });
  });

  app.use(notFound);
  app.use(errorHandler(log));

  // The hot paths: ingest and the storefront's reads go straight to their handlers, everything else through Express.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const q = req.url!.indexOf('?');
    const route = q === -1 ? req.url! : req.url!.slice(0, q);
    if (req.method === 'POST' && route in INGEST_PATHS) return void handleIngest(req, res, INGEST_PATHS[route]);
    if (req.method === 'GET' && Object.hasOwn(reads, route)) return handleRead(req, res, reads[route], q === -1 ? '' : req.url!.slice(q + 1));
    app(req, res);
  };
  app.patron.handler = handler;
  app.listen = ((...args: unknown[]) => http.createServer(handler).listen(...(args as Parameters<Server['listen']>))) as unknown as PatronApp['listen'];
  return app;
}

/** CORS for the configured origins; true when it answered a preflight itself. */
function createCors(origins: string[]) {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (!origin || !(any || allowed.has(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    if (req.method !== 'OPTIONS') return false;
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type',
      'Access-Control-Max-Age': '86400',
    });
    res.end();
    return true;
  };
}
