// Historical orders from a CSV file, one line item per row, turned into the Order Completed events the
// collector stores (to bootstrap CLV and recommendations). Every row is checked; an order with a bad row is
// rejected whole, so nothing is half-written, and each rejection names its line and reason.

import type { WireEvent } from '../../sdk/wire';
import { eventSchema } from '../domain/event';
import { issuesOf } from '../domain/issues';
import { parseDay, parseTimestamp } from '../domain/timestamp';

export const REQUIRED_COLUMNS = ['order_id', 'customer_id', 'date', 'product_id', 'quantity', 'price'] as const;

export interface Rejection {
  line: number;
  reason: string;
}

export interface ParsedOrders {
  events: WireEvent[];
  orders: number;
  lines: number;
  rejected: Rejection[];
}

export class CsvError extends Error {
  override name = 'CsvError';
}

/** Splits one CSV record (RFC 4180: quoted fields may hold commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/**
 * A date (YYYY-MM-DD) or an ISO 8601 time, the T also written as a space (as spreadsheets and SQL dumps write
 * it; no zone is UTC); NaN if it is neither or not a real day.
 */
function parseDate(value: string): number {
  if (value.length === 10) return parseDay(value);
  return parseTimestamp(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? value.replace(' ', 'T') : value);
}

/**
 * Other names shops' exports give the columns (UCI Online Retail's InvoiceNo, StockCode, UnitPrice..., Shopify's
 * and WooCommerce's order exports), matched without case, spaces, dashes or underscores.
 */
const COLUMN_NAMES: Record<string, string> = {
  orderid: 'order_id',
  invoiceno: 'order_id',
  invoice: 'order_id',
  ordernumber: 'order_id',
  customerid: 'customer_id',
  customer: 'customer_id',
  date: 'date',
  invoicedate: 'date',
  orderdate: 'date',
  createdat: 'date',
  productid: 'product_id',
  stockcode: 'product_id',
  sku: 'product_id',
  quantity: 'quantity',
  qty: 'quantity',
  price: 'price',
  unitprice: 'price',
  name: 'name',
  description: 'name',
  productname: 'name',
  category: 'category',
  currency: 'currency',
};

/** The column a header names (its own name when it is none Patron reads). */
const columnOf = (name: string) => COLUMN_NAMES[name.toLowerCase().replace(/[\s_-]/g, '')] ?? name.toLowerCase();

/** A customer id a spreadsheet wrote as a number with decimals (`17850.0`) is the whole number. */
const customerIdOf = (value: string) => (/^\d+\.0+$/.test(value) ? value.replace(/\.0+$/, '') : value);

interface Line {
  line: number;
  customer: string;
  at: number;
  product: { product_id: string; quantity: number; price: number; name?: string; category?: string };
  currency?: string;
}

/** A row's order line, or why it cannot be one. `get` reads a column of the row. */
function readRow(get: (column: string) => string, fields: number, columns: number, lineNo: number, now: number): { line: Line } | { reasons: string[] } {
  const reasons: string[] = [];
  if (fields !== columns) reasons.push(`has ${fields} fields, the header ${columns}`);
  for (const column of REQUIRED_COLUMNS) if (!get(column)) reasons.push(`${column} is empty`);
  const at = parseDate(get('date'));
  if (get('date') && Number.isNaN(at)) reasons.push(`date is not a date (YYYY-MM-DD or ISO 8601): ${JSON.stringify(get('date'))}`);
  else if (at > now) reasons.push(`date is in the future: ${get('date')}`);
  const quantity = Number(get('quantity'));
  // Shops' exports hold returns and cancellations as lines of negative quantity (UCI Online Retail's C invoices).
  if (get('quantity') && quantity < 0) reasons.push(`quantity is negative (a return or a cancellation, not an order line), got ${JSON.stringify(get('quantity'))}`);
  else if (get('quantity') && !(Number.isInteger(quantity) && quantity > 0)) reasons.push(`quantity must be a whole number above 0, got ${JSON.stringify(get('quantity'))}`);
  const price = Number(get('price'));
  if (get('price') && !(Number.isFinite(price) && price >= 0)) reasons.push(`price must be a number of at least 0, got ${JSON.stringify(get('price'))}`);
  if (reasons.length) return { reasons };
  return {
    line: {
      line: lineNo,
      customer: customerIdOf(get('customer_id')),
      at,
      product: { product_id: get('product_id'), quantity, price, ...(get('name') ? { name: get('name') } : {}), ...(get('category') ? { category: get('category') } : {}) },
      ...(get('currency') ? { currency: get('currency').toUpperCase() } : {}),
    },
  };
}

/** An order's lines as the Order Completed event the collector stores. */
function orderEvent(orderId: string, list: Line[], currency: string | undefined): WireEvent {
  const first = list[0];
  return {
    type: 'track',
    event: 'Order Completed',
    // The same order imported twice is stored once.
    messageId: `import-${orderId}`,
    userId: first.customer,
    timestamp: new Date(first.at).toISOString(),
    properties: {
      order_id: orderId,
      revenue: Math.round(list.reduce((s, l) => s + l.product.price * l.product.quantity, 0) * 100) / 100,
      ...(currency ? { currency } : {}),
      products: list.map((l) => l.product),
    },
  };
}

/**
 * Reads the rows (after the header) into events. `lines` yields the file's lines, header first; `now` bounds
 * the dates (no orders from the future).
 */
export function ordersFromCsv(lines: Iterable<string>, options: { now?: number; currency?: string } = {}): ParsedOrders {
  const now = options.now ?? Date.now();
  let header: string[] | undefined;
  let index: Record<string, number> = {};
  const orders = new Map<string, Line[]>();
  const bad = new Map<string, Rejection[]>();
  const rejected: Rejection[] = [];
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    if (!raw.trim()) continue;
    const fields = splitCsvLine(raw.replace(/^\uFEFF/, ''));
    if (!header) {
      header = fields.map(columnOf);
      const missing = REQUIRED_COLUMNS.filter((c) => !header!.includes(c));
      if (missing.length) throw new CsvError(`line 1: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the header needs ${REQUIRED_COLUMNS.join(', ')})`);
      index = Object.fromEntries(header.map((h, i) => [h, i]));
      continue;
    }
    const get = (column: string) => (index[column] === undefined ? '' : (fields[index[column]] ?? ''));
    const orderId = get('order_id');
    const row = readRow(get, fields.length, header.length, lineNo, now);
    if ('reasons' in row) {
      const r = { line: lineNo, reason: row.reasons.join('; ') };
      const rows = orderId ? bad.get(orderId) : rejected;
      if (rows) rows.push(r);
      else bad.set(orderId, [r]);
      continue;
    }
    let list = orders.get(orderId);
    if (!list) orders.set(orderId, (list = []));
    list.push(row.line);
  }
  if (!header) throw new CsvError('the file is empty: it needs a header line');
  const events: WireEvent[] = [];
  let importedLines = 0;
  for (const [orderId, list] of orders) {
    const first = list[0];
    if (!bad.has(orderId) && list.some((l) => l.customer !== first.customer || l.at !== first.at)) {
      bad.set(orderId, [{ line: first.line, reason: `order ${orderId}: its lines name different customers or dates` }]);
    }
    if (bad.has(orderId)) continue;
    const event = orderEvent(orderId, list, first.currency ?? options.currency);
    const valid = eventSchema.safeParse(event);
    if (!valid.success) {
      bad.set(orderId, [
        {
          line: first.line,
          reason: `order ${orderId}: ${issuesOf(valid.error)
            .map((i) => `${i.path} ${i.message}`)
            .join('; ')}`,
        },
      ]);
      continue;
    }
    events.push(event);
    importedLines += list.length;
  }
  // An order with a bad row is rejected whole: its good rows are listed too, so every row is accounted for.
  for (const [orderId, reasons] of bad) {
    rejected.push(...reasons);
    for (const l of orders.get(orderId) ?? []) if (!reasons.some((r) => r.line === l.line)) rejected.push({ line: l.line, reason: `order ${orderId} has a rejected line` });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { events, orders: events.length, lines: importedLines, rejected };
}
