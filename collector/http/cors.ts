// CORS for the origins the operator configured: the shop's pages call the collector from their own origin.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sets the CORS headers for an allowed origin; true when it answered a preflight itself. */
export type Cors = (req: IncomingMessage, res: ServerResponse) => boolean;

// What Patron's own SDK and the tracking clients it was tested with ask for: Segment's analytics-next adds
// X-Retry-Count on a retry; RudderStack sends AnonymousId and SentAt, and the Rsa-* headers on a retry.
const KNOWN_HEADERS = [
  'Authorization',
  'Content-Type',
  'Content-Encoding',
  'X-Retry-Count',
  'AnonymousId',
  'SentAt',
  'Rsa-Recovered',
  'Rsa-Retry-Attempt',
  'Rsa-Since-Last-Attempt',
  'Rsa-Since-First-Attempt',
  'Rsa-Retry-Reason',
];
// Another client may ask for headers of its own: any well-formed names are allowed, since no request carries
// credentials a header could expose (keys are not cookies), and refusing one would make the browser drop the
// client's every request.
const KNOWN = KNOWN_HEADERS.join(', ');
const HEADER_LIST = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*,\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+){0,31}$/;

export function createCors(origins: readonly string[]): Cors {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    if (!origin || !(any || allowed.has(origin))) return false;
    res.setHeader('Access-Control-Allow-Origin', any ? '*' : origin);
    res.setHeader('Vary', 'Origin');
    if (req.method !== 'OPTIONS') {
      // A client reads how long to wait after a 429 (analytics-next does) only if it may see the header.
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      return false;
    }
    const asked = req.headers['access-control-request-headers']?.trim();
    res.writeHead(204, {
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': asked && asked.length <= 1024 && HEADER_LIST.test(asked) ? `${KNOWN}, ${asked}` : KNOWN,
      'Access-Control-Max-Age': '86400',
      Vary: 'Origin, Access-Control-Request-Headers',
    });
    res.end();
    return true;
  };
}
