// CSV out (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled; objects as JSON.
// Every cell is text someone may open in a spreadsheet, and anyone with the public write key chose some of it
// (a product named `=HYPERLINK(...)`): text that a spreadsheet would read as a formula is neutralised as OWASP
// advises (a leading apostrophe), numbers stay numbers.

import type { Response } from 'express';

// What a spreadsheet starts a formula with (Excel, LibreOffice, Google Sheets), and the tab and carriage
// return some of them skip before looking.
const FORMULA_START = /^[=+\-@\t\r]/;
// A number written out as text ("-5", "+1.5e3") is read as that number, not as a formula: left as it is.
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Text a spreadsheet will show as text, never evaluate. */
export function neutralised(text: string): string {
  return FORMULA_START.test(text) && !NUMBER.test(text) ? `'${text}` : text;
}

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  // Objects are JSON: they start with { or [, so only strings can start a formula.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are JSON here: String() sees only strings and symbols
  const text = typeof value === 'object' ? JSON.stringify(value) : neutralised(String(value));
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}

/** A header line and one line per row, in `columns` order. */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('\n') + '\n';
}

/** A report as a CSV download. */
export function sendCsv(res: Response, name: string, columns: readonly string[], rows: readonly object[]): void {
  res
    .type('text/csv')
    .set('Content-Disposition', `attachment; filename="${name}.csv"`)
    .send(toCsv(columns, rows as Record<string, unknown>[]));
}
