// The collector's one route table: each route says its method, path, who may call it, what it takes and what
// it does. Express mounts the table (mountRoutes), node:http serves its hot routes ahead of Express
// (fastRoutes), and the OpenAPI document describes it (openapi.ts): there is no second list of routes.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, Request, Response } from 'express';
import type { z } from 'zod';
import type { Role } from './auth';
import { sendJson } from './body';
import type { Cors } from './cors';
import { sendCsv } from './csv';
import { HttpError, invalid, toErrorResponse } from './errors';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteInput<Q, B> {
  query: Q;
  body: B;
  /** Path parameters, as Express read them (the fast path has none). */
  params: Record<string, string>;
  req: IncomingMessage;
  res: ServerResponse;
  /** Checks the caller's key against the route's role, `body` being where a write key may also travel. */
  authorize: (body: unknown) => void;
  /** Takes `tokens` events (and `bytes` of body) from the caller's rate limits; a 429 HttpError when they are spent. */
  charge: (tokens: number, bytes?: number) => void;
}

/** A path parameter: what it is (for the document and its 400), and the schema it must fit when it has one. */
export type PathParam = string | { description: string; schema: z.ZodType<string> };

export interface Route<Q = unknown, B = unknown> {
  method: Method;
  /** Express style: /v1/slots/:name. */
  path: string;
  summary: string;
  /** Whose key opens it; null: anyone. */
  role: Role | null;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** What the body is called in its 400 ("Invalid slot: ..."). */
  bodyName?: string;
  /** Path parameters, checked before the query and the body. */
  params?: Record<string, PathParam>;
  /** Answers besides 200 and the errors every route may give, for the document. */
  responses?: Record<string, string>;
  /** Headers on every successful answer. */
  headers?: Record<string, string>;
  /**
   * Served by node:http ahead of Express: ingest and the storefront's reads. At a thousand requests a second
   * Express's per-request objects outlive young-generation collections and make every GC pause longer.
   */
  fast?: boolean;
  /**
   * The handler reads the body itself (ingest keeps the bytes it journals), then must call authorize() before
   * it answers (a route that forgets is refused, never open); `body` documents it.
   */
  ownBody?: boolean;
  /** Left out of the OpenAPI document (source maps, the dashboard's assets). */
  undocumented?: boolean;
  /** What to answer: a Reply, or any other value as JSON with 200. */
  handle(input: RouteInput<Q, B>): unknown;
}

/** A route, its handler's input typed by its schemas. */
export const route = <Q = undefined, B = undefined>(r: Route<Q, B>): Route => r;

const REPLY = Symbol('reply');

export type Reply = { [REPLY]: true } & (
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'csv'; name: string; columns: readonly string[]; rows: readonly object[] }
  | { kind: 'empty'; status: number }
  | { kind: 'file'; file: string; type: string; headers: Record<string, string> }
  | { kind: 'stream'; type: string; filename: string; chunks: AsyncIterable<string> }
);

export const reply = {
  json: (status: number, body: unknown): Reply => ({ [REPLY]: true, kind: 'json', status, body }),
  csv: (name: string, columns: readonly string[], rows: readonly object[]): Reply => ({ [REPLY]: true, kind: 'csv', name, columns, rows }),
  empty: (status = 204): Reply => ({ [REPLY]: true, kind: 'empty', status }),
  file: (file: string, type: string, headers: Record<string, string> = {}): Reply => ({ [REPLY]: true, kind: 'file', file, type, headers }),
  /** Chunks of text written at the pace the client reads them. */
  stream: (type: string, filename: string, chunks: AsyncIterable<string>): Reply => ({ [REPLY]: true, kind: 'stream', type, filename, chunks }),
};

const isReply = (value: unknown): value is Reply => typeof value === 'object' && value !== null && REPLY in value;

/** A route's input checked against its schema; a 400 naming each field when it does not fit. */
export function parsed<T>(schema: z.ZodType<T> | undefined, value: unknown, what: string): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error, what);
  return result.data;
}

export interface Gate {
  cors: Cors;
  /** Throws a 401 HttpError unless the request's key opens `role`'s doors. */
  check(role: Role, req: IncomingMessage, body?: unknown): void;
  /** Throws a 429 HttpError when the caller is over its rate. */
  limit?(req: IncomingMessage, body: unknown, tokens: number, bytes?: number): void;
}

/** The input a handler gets: parsed path, query and body, and the key and rate checks bound to this request. */
function inputOf(route: Route, gate: Gate, req: IncomingMessage, res: ServerResponse, query: unknown, body: unknown, params: Record<string, string>) {
  let presented = body;
  const input: RouteInput<unknown, unknown> & { authorized: boolean } = {
    query: undefined,
    body: undefined,
    params: checkedParams(route, params),
    req,
    res,
    authorized: false,
    authorize: (withBody) => {
      presented = withBody;
      if (route.role) gate.check(route.role, req, withBody);
      input.authorized = true;
    },
    charge: (tokens, bytes) => gate.limit?.(req, presented, tokens, bytes),
  };
  if (!route.ownBody) {
    input.authorize(body);
    // Reads by the public write key cost one token per request.
    if (route.role === 'write') input.charge(1);
    input.query = parsed(route.query, query, 'query');
    input.body = parsed(route.body, body, route.bodyName ?? 'body');
  }
  return input;
}

function checkedParams(route: Route, params: Record<string, string>): Record<string, string> {
  if (!route.params) return params;
  const out = { ...params };
  for (const [name, param] of Object.entries(route.params)) if (typeof param !== 'string') out[name] = parsed(param.schema, params[name], param.description);
  return out;
}

/** A route that answered without checking its caller is refused, not open. */
function checkedCaller(route: Route, input: ReturnType<typeof inputOf>): void {
  if (route.role && !input.authorized) throw new HttpError(500, 'internal', `${route.method.toUpperCase()} ${route.path} answered without checking the caller's key`);
}

/** What the handler answered, once it has checked the caller. */
async function handled(route: Route, input: ReturnType<typeof inputOf>): Promise<unknown> {
  const result = await route.handle(input);
  checkedCaller(route, input);
  return result;
}

/** Registers the routes on Express, the ones that read their own body before Express's JSON parser does. */
export function mountRoutes(app: Express, routes: readonly Route[], gate: Gate, jsonParser: (req: Request, res: Response, next: () => void) => void): void {
  const mount = (route: Route) =>
    app[route.method](route.path, async (req, res) => {
      const input = inputOf(route, gate, req, res, req.query, req.body, req.params as Record<string, string>);
      await sendExpress(route, res, await handled(route, input));
    });
  app.use((req, res, next) => (gate.cors(req, res) ? undefined : next()));
  routes.filter((r) => r.ownBody).forEach(mount);
  app.use(jsonParser);
  routes.filter((r) => !r.ownBody).forEach(mount);
}

async function sendExpress(route: Route, res: Response, result: unknown): Promise<void> {
  if (route.headers) res.set(route.headers);
  // Ingest answers as on the fast path (no ETag for a POST); the others as Express does.
  const json = (status: number, body: unknown) => (route.ownBody ? sendJson(res, status, body) : void res.status(status).json(body));
  if (!isReply(result)) return json(200, result);
  switch (result.kind) {
    case 'json':
      return json(result.status, result.body);
    case 'csv':
      return sendCsv(res, result.name, result.columns, result.rows);
    case 'empty':
      return void res.status(result.status).end();
    case 'file':
      return void res.set(result.headers).type(result.type).sendFile(result.file);
    case 'stream':
      return sendStream(res, result.type, result.filename, result.chunks);
  }
}

async function sendStream(res: Response, type: string, filename: string, chunks: AsyncIterable<string>): Promise<void> {
  res.type(type).set('Content-Disposition', `attachment; filename="${filename}"`);
  let gone = false;
  res.on('close', () => (gone = true));
  for await (const chunk of chunks) {
    if (gone) return;
    if (!res.write(chunk)) await new Promise<void>((resolve) => res.once('drain', () => resolve()).once('close', () => resolve()));
  }
  res.end();
}

/**
 * The fast routes as a node:http handler: true when it served the request (a fast route's method and path),
 * false to leave it to Express. Fast routes answer JSON only.
 */
export function fastRoutes(routes: readonly Route[], gate: Gate, log: (message: string) => void) {
  const byKey = new Map(routes.filter((r) => r.fast).map((r) => [`${r.method.toUpperCase()} ${r.path}`, { route: r, headers: Object.entries(r.headers ?? {}) }]));
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const q = req.url!.indexOf('?');
    const fast = byKey.get(`${req.method} ${q === -1 ? req.url! : req.url!.slice(0, q)}`);
    if (!fast) return false;
    serveFast(fast.route, fast.headers, gate, req, res, q === -1 ? '' : req.url!.slice(q + 1), log);
    return true;
  };
}

/**
 * Serves a fast route. A handler that answers at once (the storefront's reads) is answered in the same turn,
 * with no promise made: at a thousand requests a second every per-request object that lives past a turn
 * makes the young-generation collections longer.
 */
function serveFast(route: Route, headers: [string, string][], gate: Gate, req: IncomingMessage, res: ServerResponse, search: string, log: (message: string) => void): void {
  const fail = (error: unknown) => {
    const { status, body, headers } = toErrorResponse(error, log);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    sendJson(res, status, body);
  };
  try {
    if (gate.cors(req, res)) return;
    const query = route.query ? Object.fromEntries(new URLSearchParams(search)) : undefined;
    const input = inputOf(route, gate, req, res, query, undefined, {});
    const result = route.handle(input);
    if (!(result instanceof Promise)) return answerFast(route, headers, input, res, result);
    result.then((value) => answerFast(route, headers, input, res, value)).catch(fail);
  } catch (error) {
    fail(error);
  }
}

function answerFast(route: Route, headers: [string, string][], input: ReturnType<typeof inputOf>, res: ServerResponse, result: unknown): void {
  checkedCaller(route, input);
  if (isReply(result) && result.kind !== 'json') throw new HttpError(500, 'internal', `${route.path} answers JSON only on the fast path`);
  for (const [name, value] of headers) res.setHeader(name, value);
  if (isReply(result) && result.kind === 'json') sendJson(res, result.status, result.body);
  else sendJson(res, 200, result);
}
