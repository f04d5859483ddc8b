// One error shape for every response: { error: { code, message, issues? } }, and one middleware that maps
// errors to status codes.

import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Issue } from '../../sdk/wire';
import { issuesOf } from '../domain/issues';
import { StorageUnavailable } from '../store/store';

// How long a client should wait after a full disk: long enough for someone to free space, short enough that
// its queue (the SDK's, Segment's, RudderStack's) does not grow for long.
const STORAGE_RETRY_SECONDS = 30;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
    /** Extra response headers, such as Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function invalid(error: z.ZodError, what = 'request'): HttpError {
  const issues = issuesOf(error);
  return new HttpError(400, 'invalid_request', `Invalid ${what}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/** What Express's body parser and other middleware put on the errors they raise (http-errors). */
interface MiddlewareError {
  type?: unknown;
  limit?: unknown;
  message?: unknown;
  status?: unknown;
  stack?: unknown;
}

/** Maps any error to a status, the one error body and headers. */
export function toErrorResponse(error: unknown, log: (message: string) => void): { status: number; body: { error: object }; headers: Record<string, string> } {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) } }, headers: error.headers };
  }
  // Not logged here: the store tells once when writes start failing, and again when they succeed.
  if (error instanceof StorageUnavailable) {
    const message = `Storage unavailable: ${error.message}; try again later`;
    return { status: 503, body: { error: { code: 'storage_unavailable', message } }, headers: { 'Retry-After': String(STORAGE_RETRY_SECONDS) } };
  }
  const err = (typeof error === 'object' && error !== null ? error : {}) as MiddlewareError;
  const answer = (status: number, body: { code: string; message: string; issues?: Issue[] }) => ({ status, body: { error: body }, headers: {} });
  if (err.type === 'entity.too.large') return answer(413, { code: 'payload_too_large', message: `Body exceeds the limit of ${String(err.limit)} bytes` });
  if (err.type === 'entity.parse.failed') return answer(400, { code: 'invalid_json', message: 'Body is not valid JSON', issues: [{ path: '(body)', message: String(err.message) }] });
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500)
    return answer(err.status, { code: typeof err.type === 'string' ? err.type : 'bad_request', message: String(err.message) });
  log(`internal error: ${typeof err.stack === 'string' ? err.stack : String(error)}`);
  return answer(500, { code: 'internal', message: 'Internal error' });
}

export function errorHandler(log: (message: string) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const { status, body, headers } = toErrorResponse(err, log);
    res.status(status).set(headers).json(body);
  };
}
