// The `patron` command line (bin/patron.mjs): serve, import historical orders, export events, make keys,
// refit the models.

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Keys, Role } from './http/auth';
import { newKey, readKeysFile } from './http/keys';
import { exportChunks } from './reports/export';
import { CsvError, ordersFromCsv, type Rejection } from './ingest/orders-csv';
import { readCsvLines } from './ingest/csv-file';
import { backtestOrders } from './customers/backtest-cli';
import { collectorTarget, people, PEOPLE_USAGE, PeopleUsageError } from './people/cli';
import { serve } from './server';
import { openStore, storeHome, storeSetting, StoreSettingError } from './store/open';
import { toStored } from './domain/stored-event';
import type { ValidEvent } from './domain/event';

const USAGE = `patron <command> [options]

  serve [flags]                         run the collector (flags as in the README's "Running the collector")
  import FILE.csv [--store S]           historical orders, one line item per row: order_id, customer_id, date,
                [--currency EUR]        product_id, quantity, price (and optionally currency, name, category);
                                        FILE.csv.gz is read decompressed
  backtest FILE.csv --calibration-end DATE [--holdout-end DATE] [--models M,M] [--json]
                                        every customer valued as of the calibration end by each purchase
                                        model, scored on what they did until the holdout end
  export [--store S]                    every stored event, in time order, streamed
         [--format csv|ndjson] [--out F]

  --store sqlite:FILE (or PATRON_STORE) names the store; --database FILE (PATRON_DATABASE) is the same as
  --store sqlite:FILE; ./data/patron.db by default.
  keys create --role write|admin|analyst [--keys-file F]
                                        a new key, added to the keys file the collector reads at start
  retrain [--url U] [--admin-key K]     refit segments and customer value now, on a running collector
${PEOPLE_USAGE}`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const STORE_FLAGS = { store: { type: 'string' }, database: { type: 'string' } } as const;

/** `run()` with a bad store setting, or a missing key, told as a usage error. */
function asUsage<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof StoreSettingError || error instanceof PeopleUsageError) throw new UsageError(error.message);
    throw error;
  }
}

/** The store a command names, opened as a short-lived command does (it may run beside a collector). */
const openCommandStore = (flags: { store?: string; database?: string }, existing = false) => asUsage(() => openStore(storeSetting(flags), { command: true, existing }));

export async function run(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(rest);
      return 0;
    case 'import':
      return importOrders(rest, out, err);
    case 'export':
      return exportEvents(rest, out);
    case 'backtest':
      return backtestOrders(rest, out, err);
    case 'keys':
      return createKey(rest, out);
    case 'retrain':
      return retrain(rest, out);
    case 'people':
      return people(rest, out).catch((error: unknown) => {
        throw error instanceof PeopleUsageError ? new UsageError(error.message) : error;
      });
    case undefined:
    case 'help':
    case '--help':
      out.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
  }
}

async function importOrders(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...STORE_FLAGS, currency: { type: 'string' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file) throw new UsageError('patron import needs a CSV file');
  if (!fs.existsSync(file)) throw new UsageError(`no file ${file}`);
  const lines = await readCsvLines(file, err);
  let parsed;
  try {
    parsed = ordersFromCsv(lines, { currency: values.currency });
  } catch (error) {
    if (error instanceof CsvError) {
      err.write(`patron import: ${file}: ${error.message}; nothing imported\n`);
      return 1;
    }
    throw error;
  }
  const store = openCommandStore(values);
  try {
    // One call, one transaction: every good order is stored, or none is.
    const receivedAt = Date.now();
    const { inserted, duplicates } = await store.insertEvents(parsed.events.map((e) => toStored(e as ValidEvent, receivedAt)));
    out.write(
      `${file}: ${parsed.orders} good orders (${parsed.lines} lines): ${inserted.length} imported` +
        (duplicates ? `, ${duplicates} already there (left as they were)` : '') +
        `; ${parsed.rejected.length} rows rejected\n`,
    );
    writeRejections(parsed.rejected, out);
    if (inserted.length) out.write('restart the collector (or start it) to learn from them\n');
    return 0;
  } finally {
    await store.close();
  }
}

/** The first rejected rows, and how many were rejected for each reason (a real shop's export has many). */
function writeRejections(rejected: readonly Rejection[], out: NodeJS.WritableStream): void {
  for (const r of rejected.slice(0, 20)) out.write(`  line ${r.line}: ${r.reason}\n`);
  if (rejected.length <= 20) return;
  const kinds = new Map<string, number>();
  for (const r of rejected) {
    const kind = r.reason.replace(/, got .*$/, '').replace(/order \S+/g, 'order …');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  out.write(`  … ${rejected.length - 20} more; all ${rejected.length} by reason:\n`);
  for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1])) out.write(`  ${String(n).padStart(8)}  ${kind}\n`);
}

async function exportEvents(argv: string[], stdout: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...STORE_FLAGS, format: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const format = values.format ?? 'ndjson';
  if (format !== 'csv' && format !== 'ndjson') throw new UsageError(`--format must be csv or ndjson, got ${format}`);
  const store = openCommandStore(values, true);
  const out: NodeJS.WritableStream = values.out ? fs.createWriteStream(values.out) : stdout;
  const write = (chunk: string) => (out.write(chunk) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  try {
    // Page by page: memory stays flat however many events there are.
    for await (const chunk of exportChunks(store, format)) await write(chunk);
  } finally {
    await store.close();
    if (values.out) await new Promise((resolve) => (out as fs.WriteStream).end(resolve));
  }
  return 0;
}

function createKey(argv: string[], out: NodeJS.WritableStream): number {
  const { values, positionals } = parseArgs({ args: argv, options: { role: { type: 'string' }, 'keys-file': { type: 'string' }, ...STORE_FLAGS }, allowPositionals: true, strict: true });
  if (positionals[0] !== 'create') throw new UsageError('usage: patron keys create --role write|admin|analyst');
  const role = values.role as Role;
  if (role !== 'write' && role !== 'admin' && role !== 'analyst') throw new UsageError(`--role must be write, admin or analyst, got ${values.role ?? 'nothing'}`);
  const file = path.resolve(
    values['keys-file'] ??
      process.env.PATRON_KEYS_FILE ??
      path.join(
        asUsage(() => storeHome(storeSetting(values))),
        'keys.json',
      ),
  );
  const keys: Keys = fs.existsSync(file) ? readKeysFile(file) : { write: [], admin: [], analyst: [] };
  const key = newKey(role);
  keys[role].push(key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  out.write(`${key}\n`);
  return 0;
}

async function retrain(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' }, 'admin-key': { type: 'string' } }, strict: true });
  const { url, key } = asUsage(() => collectorTarget(values, 'retrain'));
  const started = Date.now();
  const res = await fetch(`${url}/v1/segments/refit`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as { segments?: { label: string; size: number }[]; error?: { message: string } };
  if (!res.ok) throw new UsageError(`the collector at ${url} answered ${res.status}: ${body.error?.message ?? ''}`);
  out.write(`refitted in ${Date.now() - started} ms: ${(body.segments ?? []).map((s) => `${s.label} (${s.size})`).join(', ')}\n`);
  return 0;
}
