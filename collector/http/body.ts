// Request bodies in and JSON out, on node:http's request and response, so the fast path (ingest, the
// storefront's reads) needs nothing of Express's.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HttpError } from './errors';

const tooLarge = (limit: number) => new HttpError(413, 'payload_too_large', `Body exceeds the limit of ${limit} bytes`);

/**
 * The body's bytes as they were meant: gzip (what server-side clients and batching SDKs send) decoded, no
 * coding left alone; any other coding is refused (415) rather than read as if it were JSON.
 */
function decoded(req: IncomingMessage): Readable {
  const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return req;
  if (coding === 'gzip' || coding === 'x-gzip') return req.pipe(createGunzip());
  throw new HttpError(415, 'unsupported_encoding', `Content-Encoding must be gzip or identity, not ${coding}`, [{ path: 'Content-Encoding', message: 'must be gzip or identity' }]);
}

/**
 * The request body as JSON, its bytes and their text; 413 past `limit` bytes (sent, and once decoded: a small
 * gzip body cannot unpack into a large one), 415 for a type other than JSON or text or an unknown coding, 400
 * if malformed.
 */
export function readJson(req: IncomingMessage, limit: number): Promise<{ body: unknown; raw: Buffer; text: string }> {
  return new Promise((resolve, reject) => {
    const type = (req.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    let source: Readable;
    try {
      if (type !== 'application/json' && type !== 'text/plain') {
        throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json or text/plain, not ${type}`, [
          { path: 'Content-Type', message: 'must be application/json or text/plain' },
        ]);
      }
      if (Number(req.headers['content-length']) > limit) throw tooLarge(limit);
      source = decoded(req);
    } catch (error) {
      req.resume();
      return reject(error instanceof Error ? error : new Error(String(error)));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: HttpError) => {
      if (failed) return;
      failed = true;
      chunks.length = 0;
      if (source !== req) source.destroy();
      req.resume();
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      chunks.push(chunk);
    });
    req.on('error', (error) => fail(new HttpError(400, 'bad_request', `Could not read the body: ${error.message}`)));
    if (source !== req) {
      // What is sent counts as well as what it unpacks to: empty gzip blocks would otherwise stream for ever.
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        if (sent > limit) fail(tooLarge(limit));
      });
    }
    if (source !== req) source.on('error', (error) => fail(new HttpError(400, 'invalid_gzip', `The body is not valid gzip: ${error.message}`, [{ path: '(body)', message: 'is not valid gzip' }])));
    source.on('end', () => {
      if (failed) return;
      const raw = Buffer.concat(chunks, size);
      const text = raw.toString('utf8');
      try {
        resolve({ body: JSON.parse(text), raw, text });
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
