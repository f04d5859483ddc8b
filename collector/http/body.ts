// Request bodies in and JSON out, on node:http's request and response, so the fast path (ingest, the
// storefront's reads) needs nothing of Express's.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './errors';

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

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}
