// The files the collector serves itself: the built SDK for the script tag, and the dashboard (static files;
// the key entered on the page does the rest).

import fs from 'node:fs';
import path from 'node:path';
import type { Request } from 'express';
import { HttpError } from './errors';
import { reply, type Route } from './route';

const DASHBOARD_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; img-src * data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** A file's route; a file that is not there (not built, or not served) answers as an unknown route does. */
function fileRoute(urlPath: string, file: string | false, type: string, headers: Record<string, string>, summary = ''): Route {
  return {
    method: 'get',
    path: urlPath,
    summary,
    role: null,
    undocumented: summary === '',
    handle: ({ req }) => {
      // As for a route that does not exist (errors.ts's notFound).
      if (!file || !fs.existsSync(file)) throw new HttpError(404, 'not_found', `No route for ${req.method} ${(req as Request).path}`);
      return reply.file(file, type, headers);
    },
  };
}

/**
 * `sdkDir`: the folder holding the built SDK (patron.js), or false to not serve it; `root`: the repository,
 * where the dashboard's page and style live (its script is built beside the SDK).
 */
export function staticRoutes(root: string, sdkDir: string | false): Route[] {
  const built = sdkDir || path.join(root, 'dist');
  const sdk = (name: string) => (sdkDir ? path.join(sdkDir, name) : false);
  const cache = { 'Cache-Control': 'public, max-age=300' };
  return [
    // The bundle carries no sourceMappingURL comment (its bytes count against the 5 KB budget): the header says where the map is.
    fileRoute('/patron.js', sdk('patron.js'), 'js', { ...cache, SourceMap: 'patron.js.map' }, 'The script-tag SDK'),
    fileRoute('/patron.js.map', sdk('patron.js.map'), 'json', cache),
    fileRoute(
      '/dashboard',
      path.join(root, 'collector', 'dashboard', 'index.html'),
      'html',
      DASHBOARD_HEADERS,
      'The dashboard: charts for analysts, the slot editor for merchants (the page asks for a key)',
    ),
    fileRoute('/dashboard/dashboard.css', path.join(root, 'collector', 'dashboard', 'dashboard.css'), 'css', DASHBOARD_HEADERS),
    fileRoute('/dashboard/dashboard.js', path.join(built, 'dashboard.js'), 'js', DASHBOARD_HEADERS),
    fileRoute('/dashboard/dashboard.js.map', path.join(built, 'dashboard.js.map'), 'json', DASHBOARD_HEADERS),
  ];
}
