// CSV out (RFC 4180): a field with a comma, quote or line break is quoted, quotes doubled; objects as JSON.

export function csvField(value: unknown): string {
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
