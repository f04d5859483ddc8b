// Event times as ISO 8601 date-times, read strictly: what Segment's and RudderStack's clients write
// (`toISOString()`, RFC 3339). `Date.parse` is not a validator: it reads "5" as 2001-05-01, rolls 2026-02-30
// over to 2 March and takes RFC 2822 dates, so every path that reads an event's time reads it here.

// A date, T, a time to the minute or second with an optional fraction, and a zone (Z or ±hh:mm; none is UTC).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Milliseconds since the epoch of an ISO 8601 date-time; NaN for anything else, impossible dates included. */
export function parseTimestamp(text: string): number {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute] = [+m[1], +m[2], +m[3], +m[4], +m[5]];
  const second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const offsetHours = m[10] === undefined ? 0 : +m[10];
  const offsetMinutes = m[11] === undefined ? 0 : +m[11];
  if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
  // Milliseconds are the fraction's first three digits, as Date.parse reads them.
  const ms = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}
