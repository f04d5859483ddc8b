// One error shape for every response: { error: { code, message, issues? } }, and one middleware that maps
// errors to status codes.

import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import type { Issue } from '../../sdk/wire';
import { issuesOf } from '../domain/issues';

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

/** Maps any error to a status, the one error body and headers. */
export function toErrorResponse(err: any, log: (message: string) => void): { status: number; body: { error: object }; headers: Record<string, string> } {
  let status = 500;
  let headers: Record<string, string> = {};
  let body: { code: string; message: string; issues?: Issue[] } = { code: 'internal', message: 'Internal error' };
  {
    if (err instanceof HttpError) {
      status = err.status;
      headers = err.headers;
      body = { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      body = { code: 'payload_too_large', message: `Body exceeds the limit of ${err.limit} bytes` };
    } else if (err?.type === 'entity.parse.failed') {
      status = 400;
      body = { code: 'invalid_json', message: 'Body is not valid JSON', issues: [{ path: '(body)', message: String(err.message) }] };
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status;
      body = { code: String(err.type ?? 'bad_request'), message: String(err.message) };
    } else {
      log(`internal error: ${err?.stack ?? err}`);
    }
  }
  return { status, body: { error: body }, headers };
}

export function errorHandler(log: (message: string) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const { status, body, headers } = toErrorResponse(err, log);
    res.status(status).set(headers).json(body);
  };
}
