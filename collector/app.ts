// createApp(options): the collector's composition root. It opens the store, starts the services and mounts
// every capability's routes, from one route table, on Express and on the fast path ahead of it; listening is
// the caller's business (server.ts, tests).

import fs from 'node:fs';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { PublicProfileField } from '../sdk/wire';
import { catalogRoutes } from './catalog/routes';
import { customerRoutes, visitorRoutes } from './customers/routes';
import { progressRoutes } from './customers/progress-routes';
import { webhookRoutes } from './webhooks/routes';
import { LIMITS } from './domain/limits';
import { experimentRoutes } from './experiments/routes';
import { healthRoute } from './health/routes';
import { createAuth, type Keys } from './http/auth';
import { createCors } from './http/cors';
import { errorHandler, notFound } from './http/errors';
import { openApiDocument } from './http/openapi';
import { DEFAULT_RATE_LIMITS, createRateLimiter, type RateLimits } from './http/rate-limit';
import { fastRoutes, mountRoutes, route, type Gate, type Route } from './http/route';
import { staticRoutes } from './http/static';
import { ingestRoutes } from './ingest/routes';
import { peopleRoutes } from './people/routes';
import { reportRoutes } from './reports/routes';
import { startServices, type ServiceOptions, type Services } from './services';
import { slotRoutes } from './slots/routes';
import { openStore, DEFAULT_STORE } from './store/open';
import type { Store } from './store/store';

export interface CollectorOptions extends Omit<ServiceOptions, 'log'> {
  keys: Keys;
  /** Which store to open (`sqlite:./data/patron.db`, store/open.ts) when no `store` is given. */
  storeSetting?: string;
  /** A SQLite file: the same as storeSetting `sqlite:<file>`. */
  database?: string;
  store?: Store;
  /** Origins allowed to call the collector from a browser; '*' allows any. */
  corsOrigins?: string[];
  /** Token buckets per write key and per client address; false turns rate limiting off. */
  rateLimits?: RateLimits | false;
  /** Figures /v1/profile may show the page besides segment, RFM group and churn risk (none by default). */
  profilePublic?: PublicProfileField[];
  /** Folder holding the built SDK (patron.js), served at /patron.js; false to not serve it. */
  sdkDir?: string | false;
  log?: (message: string) => void;
}

export interface PatronApp extends Express {
  patron: Services & {
    /** Stops background work and closes the store. */
    close(): Promise<void>;
    /** A node:http request handler: the fast routes on their own path, the rest through Express (what listen() serves). */
    handler: (req: IncomingMessage, res: ServerResponse) => void;
  };
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export async function createApp(options: CollectorOptions): Promise<PatronApp> {
  if (options.keys.write.length === 0) throw new Error('createApp: at least one write key is required');
  // The options that were `personalizer.*` before the collector's rebuild: silently ignored, they would start refits.
  if ('personalizer' in options) throw new Error('createApp: the personalizer options are top-level now (interactions, segments, value, refitWorker)');
  const log = options.log ?? ((message: string) => console.log(`[patron] ${message}`));
  const store = options.store ?? openStore(options.storeSetting ?? (options.database ? `sqlite:${options.database}` : DEFAULT_STORE), { log });
  const services = await startServices(store, { ...options, log });
  const auth = createAuth(options.keys);
  const gate: Gate = {
    cors: createCors(options.corsOrigins ?? []),
    check: auth.check,
    limit: options.rateLimits === false ? undefined : createRateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, auth.isAdmin),
  };
  const routes: Route[] = [
    ...ingestRoutes(services.ingest, store),
    ...slotRoutes(services.slots, services.recommendations, services.attribution),
    ...visitorRoutes(services.insights, services.experiments, options.profilePublic ?? []),
    ...experimentRoutes(services.experiments, (x, mde) => services.experimentResults.of(x, mde)),
    ...catalogRoutes(services.catalog),
    ...customerRoutes(services.insights, services.refits, services.learner, services.identities),
    ...progressRoutes(services.insights, services.store, services.learner, services.identities),
    ...webhookRoutes(services.webhooks, services.store),
    ...reportRoutes(services.reports, store),
    ...peopleRoutes(services.people, services.suppression),
    healthRoute(services),
    ...staticRoutes(ROOT, options.sdkDir === undefined ? path.join(ROOT, 'dist') : options.sdkDir),
  ];
  routes.push(openApiRoute(routes));

  const app = express() as PatronApp;
  app.disable('x-powered-by');
  // Paths are matched exactly, as the fast path matches them: /DASHBOARD and /dashboard/ are not the dashboard.
  app.enable('case sensitive routing');
  app.enable('strict routing');
  // Beacons send text/plain to avoid a CORS preflight; both carry JSON.
  mountRoutes(app, routes, gate, express.json({ limit: LIMITS.batchBytes, type: ['application/json', 'text/plain'] }));
  app.use(notFound);
  app.use(errorHandler(log));

  const fast = fastRoutes(routes, gate, log);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    if (!fast(req, res)) app(req, res);
  };
  app.patron = {
    ...services,
    handler,
    async close() {
      await services.stop();
      await store.close();
    },
  };
  app.listen = (...args: unknown[]) => http.createServer(handler).listen(...(args as Parameters<Server['listen']>));
  return app;
}

/** The document of every route, this one included. */
function openApiRoute(routes: readonly Route[]): Route {
  let document: object | undefined;
  return route({
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    role: null,
    handle: () => (document ??= openApiDocument(routes, VERSION)),
  });
}
