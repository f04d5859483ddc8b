// Query-string values shared by the analyst routes: times, days and the choice of JSON or CSV.

import { z } from 'zod';
import { parseTimestamp } from '../domain/timestamp';

/** Midnight UTC of a real day (YYYY-MM-DD), else NaN: no 2026-02-30. */
function dayStart(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return Number.NaN;
  const at = Date.UTC(Number(value.slice(0, 4)), Number(value.slice(5, 7)) - 1, Number(value.slice(8, 10)));
  return new Date(at).toISOString().slice(0, 10) === value ? at : Number.NaN;
}

/** A time as an ISO 8601 date or date-time (read strictly, as events' are), or milliseconds since the epoch. */
export const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : value.length === 10 ? dayStart(value) : parseTimestamp(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or time, or milliseconds since the epoch' });
    return z.NEVER;
  }
  return ms;
});

export const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD');

/** A report as JSON (default) or as a CSV download. */
export const tableFormat = z.enum(['json', 'csv']).default('json');
