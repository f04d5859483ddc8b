// Several tabs in real Chromium (real Web Locks, real IndexedDB): a tab that closed with events it could
// not deliver has them sent by another tab, and no event goes out twice.
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_TIMEOUT, eventually, startDemoAndBrowser, type Demo } from './demo';

let demo: Demo;
let browser: Browser;
let database: string;

beforeAll(async () => {
  ({ demo, browser, database } = await startDemoAndBrowser('tabs', 40));
}, E2E_TIMEOUT.setup);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

function viewsOf(anonymousId: string, product: string) {
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare("SELECT message_id FROM events WHERE anonymous_id = ? AND event = 'Product Viewed' AND product_id = ?").all(anonymousId, product) as { message_id: string }[];
  } finally {
    db.close();
  }
}

describe('several tabs in Chromium', () => {
  it(
    'sends what a closed tab could not, from another tab, and nothing twice',
    async () => {
      const context = await browser.newContext();

      // Tab A cannot deliver: its requests fail and the browser refuses its beacon (quota spent).
      const a = await context.newPage();
      await a.addInitScript(() => Object.defineProperty(navigator, 'sendBeacon', { value: () => false }));
      let refused = 0;
      await a.route('**/v1/batch', (route) => {
        refused++;
        return route.abort();
      });
      await a.goto(`${demo.storeUrl}/product.html?id=SKU-005`);
      const anonymousId = await a.evaluate(() => new Promise<string>((resolve) => (window as any).patron.ready((p: any) => resolve(p.anonymousId()))));
      expect(
        await eventually(
          () => refused,
          (n) => n > 0,
        ),
      ).toBeGreaterThan(0); // a failed attempt
      expect(viewsOf(anonymousId, 'SKU-005')).toHaveLength(0);

      // Tab B works, and must leave A's events alone while A is open.
      const b = await context.newPage();
      const sentByB: string[] = [];
      b.on('request', (req) => {
        if (req.url().endsWith('/v1/batch')) for (const e of JSON.parse(req.postData() ?? '{}').batch ?? []) sentByB.push(e.messageId);
      });
      await b.goto(`${demo.storeUrl}/product.html?id=SKU-010`);
      expect(
        await eventually(
          () => viewsOf(anonymousId, 'SKU-010'),
          (rows) => rows.length > 0,
        ),
      ).toHaveLength(1);
      expect(viewsOf(anonymousId, 'SKU-005')).toHaveLength(0);

      await a.close();
      expect(
        await eventually(
          () => viewsOf(anonymousId, 'SKU-005'),
          (rows) => rows.length > 0,
        ),
      ).toHaveLength(1); // at B's next adoption round

      // B sent A's event once, and never any event twice. (Playwright reports requests asynchronously: the row
      // can be stored before the listener has heard of the request, so wait for it.)
      const adopted = viewsOf(anonymousId, 'SKU-005')[0].message_id;
      await eventually(() => sentByB.includes(adopted), Boolean);
      await b.waitForTimeout(200); // and a moment more, so a second send would be heard too
      expect(sentByB.filter((id) => id === adopted)).toHaveLength(1);
      expect(new Set(sentByB).size).toBe(sentByB.length);
      await context.close();
    },
    E2E_TIMEOUT.test,
  );
});
