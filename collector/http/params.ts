// Query-string values shared by the analyst routes: times, days and the choice of JSON or CSV.

import { z } from 'zod';
import { parseDay, parseTimestamp } from '../domain/timestamp';

/** A time as an ISO 8601 date or date-time (read strictly, as events' are), or milliseconds since the epoch. */
export const instant = z.string().transform((value, ctx) => {
  const ms = /^\d+$/.test(value) ? Number(value) : value.length === 10 ? parseDay(value) : parseTimestamp(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or time, or milliseconds since the epoch' });
    return z.NEVER;
  }
  return ms;
});

export const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine((v) => !Number.isNaN(parseDay(v)), 'is not a day of the calendar');

/** A report as JSON (default) or as a CSV download. */
export const tableFormat = z.enum(['json', 'csv']).default('json');
