// The `patron` command line: import with per-line rejections and nothing half-written, idempotent re-import,
// streamed export, key creation, and retrain against a running collector.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../collector/cli';
import { ordersFromCsv, splitCsvLine } from '../../collector/ingest/orders-csv';
import { KEYS, get, startCollector } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function patron(...argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errors: string[] = [];
  out.on('data', (d) => chunks.push(String(d)));
  err.on('data', (d) => errors.push(String(d)));
  const code = await run(argv, out, err);
  return { code, out: chunks.join(''), err: errors.join('') };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'patron-cli-'));

const ORDERS = `order_id,customer_id,date,product_id,quantity,price,currency,name
A1,alice,2026-01-05,SKU-1,2,10.50,EUR,Grinder
A1,alice,2026-01-05,SKU-2,1,5,EUR,"Filters, 100"
A2,alice,2026-02-10,SKU-3,1,20,EUR,
B1,bob,2026-02-30,SKU-1,1,10,EUR,
C1,carol,2026-03-01,SKU-2,-1,10,EUR,
C1,carol,2026-03-01,SKU-3,1,10,EUR,
D1,dave,2026-03-02,SKU-4,1,abc,EUR,

E1,erin,2026-03-03T10:00:00Z,"SKU ""5""",3,7.25,EUR,
F1,frank,2026-03-04,SKU-1,1,10,EUR
G1,gina,2026-03-05,SKU-1,1,10,EUR,
G1,hugo,2026-03-05,SKU-2,1,10,EUR,
`;

describe('patron import', () => {
  it('imports the good orders, names every rejected line and why, and rejects a bad order whole', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'orders.csv'), ORDERS);
    const database = path.join(dir, 'patron.db');
    const res = await patron('import', path.join(dir, 'orders.csv'), '--database', database);
    expect(res.code).toBe(0);
    expect(res.out).toContain('3 good orders (4 lines): 3 imported; 7 rows rejected');
    const rejected = res.out.split('\n').filter((l) => l.startsWith('  line '));
    expect(rejected).toEqual([
      '  line 5: date is not a date (YYYY-MM-DD or ISO 8601): "2026-02-30"',
      '  line 6: quantity is negative (a return or a cancellation, not an order line), got "-1"',
      '  line 7: order C1 has a rejected line',
      '  line 8: price must be a number of at least 0, got "abc"',
      '  line 11: has 7 fields, the header 8',
      '  line 12: order G1: its lines name different customers or dates',
      '  line 13: order G1 has a rejected line',
    ]);
    // Exactly the good orders are stored, with their lines.
    const exported = await patron('export', '--database', database);
    const events = exported.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.properties.order_id)).toEqual(['A1', 'A2', 'E1']);
    expect(events[0]).toMatchObject({ type: 'track', event: 'Order Completed', userId: 'alice', messageId: 'import-A1', properties: { revenue: 26, currency: 'EUR' } });
    expect(events[0].properties.products).toEqual([
      { product_id: 'SKU-1', quantity: 2, price: 10.5, name: 'Grinder' },
      { product_id: 'SKU-2', quantity: 1, price: 5, name: 'Filters, 100' },
    ]);
    expect(events[2].properties.products[0].product_id).toBe('SKU "5"');
    // Importing the same file again stores nothing twice.
    const again = await patron('import', path.join(dir, 'orders.csv'), '--database', database);
    expect(again.out).toContain('0 imported, 3 already there');
    expect((await patron('export', '--database', database)).out.trim().split('\n')).toHaveLength(3);
  });

  it('refuses a file without the required columns, importing nothing', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'order_id,date,price\nA1,2026-01-01,3\n');
    const res = await patron('import', path.join(dir, 'bad.csv'), '--database', path.join(dir, 'p.db'));
    expect(res.code).toBe(1);
    expect(res.err).toContain('line 1: missing columns customer_id, product_id, quantity');
    expect(fs.existsSync(path.join(dir, 'p.db'))).toBe(false);
  });

  it('parses quoted CSV fields', () => {
    expect(splitCsvLine('a,"b, c","d ""e""",')).toEqual(['a', 'b, c', 'd "e"', '']);
    expect(() => ordersFromCsv([])).toThrow(/empty/);
    expect(ordersFromCsv(['order_id,customer_id,date,product_id,quantity,price', 'X,c,2999-01-01,p,1,1']).rejected[0].reason).toMatch(/future/);
    // Dates and times are read strictly, as events' are: no 30 February, in either form.
    const header = 'order_id,customer_id,date,product_id,quantity,price';
    for (const date of ['2026-02-30', '2026-02-30T10:00:00Z', '5']) expect(ordersFromCsv([header, `X,c,${date},p,1,1`]).rejected, date).toHaveLength(1);
    expect(ordersFromCsv([header, 'X,c,2026-02-28T10:00:00+01:00,p,1,1']).rejected).toEqual([]);
  });
});

describe('patron export', () => {
  it('streams every event as CSV with a header, one row each, JSON columns quoted', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'orders.csv'), ORDERS);
    const database = path.join(dir, 'patron.db');
    await patron('import', path.join(dir, 'orders.csv'), '--database', database);
    const file = path.join(dir, 'events.csv');
    expect((await patron('export', '--database', database, '--format', 'csv', '--out', file)).code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('message_id,type,event,anonymous_id,user_id,session_id,timestamp,received_at,properties,context,traits');
    expect(lines).toHaveLength(4);
    const first = splitCsvLine(lines[1]);
    expect(first.slice(0, 5)).toEqual(['import-A1', 'track', 'Order Completed', '', 'alice']);
    expect(JSON.parse(first[8]).order_id).toBe('A1');
    await expect(patron('export', '--database', path.join(dir, 'none.db'))).rejects.toThrow(/no database/);
    await expect(patron('export', '--database', database, '--format', 'xml')).rejects.toThrow(/csv or ndjson/);
  });
});

describe('patron keys and retrain', () => {
  it('creates keys the collector then accepts, and refits a running collector', async () => {
    const dir = tmp();
    const keysFile = path.join(dir, 'keys.json');
    const made = await patron('keys', 'create', '--role', 'analyst', '--keys-file', keysFile);
    const key = made.out.trim();
    expect(key).toMatch(/^sk_analyst_/);
    expect(JSON.parse(fs.readFileSync(keysFile, 'utf8')).analyst).toEqual([key]);
    expect((fs.statSync(keysFile).mode & 0o777).toString(8)).toBe('600');
    await expect(patron('keys', 'create', '--role', 'root', '--keys-file', keysFile)).rejects.toThrow(/--role/);

    const c = await startCollector({ keys: { ...KEYS, analyst: [key] } });
    try {
      expect((await get(`${c.url}/v1/segments`, key, true)).status).toBe(200);
      const refit = await patron('retrain', '--url', c.url, '--admin-key', KEYS.admin[0]);
      expect(refit.out).toMatch(/^refitted in \d+ ms/);
      await expect(patron('retrain', '--url', c.url, '--admin-key', 'wrong')).rejects.toThrow(/401/);
    } finally {
      await c.stop();
    }
  });

  it('runs as the package bin', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'bin/patron.mjs'), 'help'], { encoding: 'utf8' });
    expect(out).toContain('patron <command>');
  }, 120_000); // a node process that compiles the CLI with tsx: seconds when the machine is busy
});

describe("a shop's own export (UCI Online Retail's columns) and the backtest", () => {
  // InvoiceNo, StockCode, Description, Quantity, InvoiceDate (a space for the T), UnitPrice, CustomerID (as a
  // float), Country; a cancellation's invoice starts with C.
  const RETAIL = `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,"WHITE HANGING HEART T-LIGHT HOLDER",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom
536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom
C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom
536380,22961,JAM MAKING SET PRINTED,24,2010-12-01 09:41:00,1.45,,United Kingdom
`;

  it('imports it as it is: its columns by their names, the dates with a space, whole customer ids, cancellations told as such', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'retail.csv'), RETAIL);
    const res = await patron('import', path.join(dir, 'retail.csv'), '--database', path.join(dir, 'patron.db'));
    expect(res.code).toBe(0);
    expect(res.out).toContain('1 good orders (2 lines): 1 imported; 2 rows rejected');
    expect(res.out).toContain('line 4: quantity is negative (a return or a cancellation, not an order line), got "-1"');
    expect(res.out).toContain('line 5: customer_id is empty');
    const { events } = ordersFromCsv(RETAIL.split('\n'));
    expect(events[0]).toMatchObject({ userId: '17850', timestamp: '2010-12-01T08:26:00.000Z', properties: { order_id: '536365', revenue: 35.64 } });
    expect(events[0].properties!.products![0]).toMatchObject({ product_id: '85123A', name: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, price: 2.55 });
  });

  it('backtests the purchase models on an order file, gzip-compressed or not', async () => {
    const dir = tmp();
    // Two years of a small shop: steady customers buying every month or two, some leaving after their first order.
    const rows = ['order_id,customer_id,date,product_id,quantity,price'];
    let n = 0;
    for (let c = 0; c < 120; c++) {
      const gap = 20 + (c % 5) * 15;
      const leaves = c % 3 === 0 ? 90 : 720;
      for (let d = c % 30; d < Math.min(720, leaves); d += gap) rows.push(`o${n++},c${c},${new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10)},SKU-${c % 7},1,${10 + (c % 9)}`);
    }
    fs.writeFileSync(path.join(dir, 'orders.csv.gz'), zlib.gzipSync(rows.join('\n')));
    const res = await patron('backtest', path.join(dir, 'orders.csv.gz'), '--calibration-end', '2025-06-30', '--holdout-end', '2025-12-31');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/120 customers as of 2025-06-30; \d+ bought again in the 184 days to 2025-12-31/);
    expect(res.out).toMatch(/^naive .*\n^bgnbd .*\n^activity /m);
    const json = await patron('backtest', path.join(dir, 'orders.csv.gz'), '--calibration-end', '2025-06-30', '--holdout-end', '2025-12-31', '--json', '--models', 'naive,bgnbd');
    const result = JSON.parse(json.out);
    expect(result.models.map((m: { model: string }) => m.model)).toEqual(['naive', 'bgnbd']);
    // The customers who left long before the calibration end bought nothing in the holdout; the others did.
    expect(result.active).toBe(80);
    expect((await patron('backtest', path.join(dir, 'orders.csv.gz'))).err).toContain('--calibration-end');
    expect((await patron('backtest', path.join(dir, 'orders.csv.gz'), '--calibration-end', '2025-06-30', '--models', 'magic')).err).toContain('no model magic');
  });
});
