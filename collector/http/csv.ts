// CSV out (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled; objects as JSON.

import type { Response } from 'express';

export function csvField(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects are JSON above: String() sees only scalars
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
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
