// The demo shop's web server: static pages, its catalog as JSON and generated product pictures. It knows
// Patron only as a script tag whose endpoint and write key it writes into each page.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import { demoCatalog, productSvg } from '../catalog';

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');

export interface StorefrontOptions {
  /** The collector's public URL, as the shopper's browser reaches it (a function: read when a page is served). */
  endpoint: string | (() => string);
  writeKey: string;
}

const escapeAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function createStorefront({ endpoint, writeKey }: StorefrontOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const products = demoCatalog();
  const byId = new Map(products.map((p) => [p.id, p]));
  const catalogJson = JSON.stringify(products.map(({ complements: _c, rank: _r, ...p }) => p));

  app.get('/catalog.json', (_req, res) => {
    res.type('json').send(catalogJson);
  });
  app.get('/img/:file', (req, res) => {
    const product = byId.get(req.params.file.replace(/\.svg$/, ''));
    if (!product) return res.status(404).end();
    res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(productSvg(product));
  });
  // Every page is its own body in the one layout that carries the Patron snippet and script tag.
  const layout = fs.readFileSync(path.join(PUBLIC, 'layout.html'), 'utf8');
  app.get(['/', '/:page.html'], (req, res, next) => {
    const page = path.basename((req.params as { page?: string }).page ?? 'index');
    const file = path.join(PUBLIC, `${page}.html`);
    if (page === 'layout' || !fs.existsSync(file)) return next();
    const body = fs.readFileSync(file, 'utf8');
    const title = /<!-- title: (.*?) -->/.exec(body)?.[1] ?? 'Shop';
    const html = layout
      .replace('%TITLE%', escapeAttribute(title))
      .replace('%PAGE%', page)
      .replace('%CONTENT%', () => body)
      .replaceAll('%PATRON_ENDPOINT%', escapeAttribute((typeof endpoint === 'function' ? endpoint() : endpoint).replace(/\/+$/, '')))
      .replaceAll('%PATRON_WRITE_KEY%', escapeAttribute(writeKey));
    res.type('html').send(html);
  });
  app.get(['/shop.js', '/shop.css', '/merchant.js'], (req, res) => {
    res.sendFile(path.join(PUBLIC, path.basename(req.path)));
  });
  return app;
}
