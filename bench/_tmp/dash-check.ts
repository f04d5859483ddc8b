import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from '../../examples/start';
import { CHROMIUM, FLAGS } from '../../test/e2e/demo';
const database = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-')), 'patron.db');
const demo = await startDemo({ collectorPort: 0, storePort: 0, host: '127.0.0.1', database, shoppers: 120, log: () => {} });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.on('pageerror', (e) => console.log('pageerror', e.message));
page.on('console', (m) => console.log('console', m.text()));
await page.goto(`${demo.collector.url}/dashboard`);
await page.fill('#key', demo.config.keys[process.argv[2] === 'admin' ? 'admin' : 'analyst'][0]);
await page.click('#login button');
await page.waitForSelector('html[data-ready="true"]');
await page.click('[data-tab="experiments"]');
try {
  await page.waitForSelector('#experiment-view[data-state="ready"]', { timeout: 10000 });
} catch (e) {
  console.log('timeout', await page.evaluate(() => document.getElementById('experiment-view')!.outerHTML.slice(0, 300)));
}
await page.screenshot({ path: 'bench/_tmp/exp.png', fullPage: true });
await browser.close();
await demo.stop();
