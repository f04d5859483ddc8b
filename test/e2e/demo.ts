// What the end-to-end tests share: the demo (collector, store, simulated history) on ephemeral ports over a
// fresh database, and Debian's Chromium with the flags these machines need.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo } from '../../examples/start';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** Where screenshots go. */
export const SHOTS = path.resolve(import.meta.dirname, '../../test-results');
/**
 * How long a test waits for one state it expects (a stored row, a delivered event) before it fails: as long
 * as Playwright waits for a selector by default, a bound only something broken reaches, not a busy machine.
 */
export const PATIENCE_MS = 30_000;
/** A test drives a real browser through several such states, and a start-up simulates the demo's history. */
export const E2E_TIMEOUT = { test: 180_000, setup: 300_000 };

/** Reads `read()` until `ok` holds, for PATIENCE_MS at the most; the caller asserts on what it returns. */
export async function eventually<T>(read: () => T, ok: (value: T) => boolean): Promise<T> {
  const until = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = read();
    if (ok(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until a recommendation slot shows products. The SDK gives a slot up when the collector has not answered
 * within its request timeout (1.5 s: a storefront never waits on Patron, and keeps its own markup), which a busy
 * machine can reach; the page is then asked to render the slot again, as a page may, for PATIENCE_MS at most.
 */
export async function slotReady(page: Page, slot: string): Promise<void> {
  const until = Date.now() + PATIENCE_MS;
  const settled = ['ready', 'empty', 'error'].map((state) => `${slot}[data-patron-state="${state}"]`).join(', ');
  for (;;) {
    const state = await (await page.waitForSelector(settled, { state: 'attached' })).getAttribute('data-patron-state');
    // Only a slot given up is asked for again: one the collector answered with no products fails below.
    if (state !== 'error' || Date.now() > until) break;
    await page.evaluate((selector) => {
      document.querySelector(selector)?.removeAttribute('data-patron-state');
      void (window as any).patron.renderSlots();
    }, slot);
  }
  await page.waitForSelector(`${slot}[data-patron-state="ready"] .card`);
}

export type Demo = Awaited<ReturnType<typeof startDemo>>;

/** The demo with `shoppers` simulated shoppers, and a browser; `database` is the SQLite file it writes. */
export async function startDemoAndBrowser(name: string, shoppers: number): Promise<{ demo: Demo; browser: Browser; database: string }> {
  const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `patron-${name}-`)), 'patron.db');
  const demo = await startDemo({ collectorPort: 0, storePort: 0, receiverPort: 0, host: '127.0.0.1', database, shoppers, log: () => {} });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  fs.mkdirSync(SHOTS, { recursive: true });
  return { demo, browser, database };
}
