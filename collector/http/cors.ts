// CORS for the origins the operator configured: the shop's pages call the collector from their own origin.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Sets the CORS headers for an allowed origin; true when it answered a preflight itself. */
export type Cors = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createCors(origins: readonly string[]): Cors {
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res) => {
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
