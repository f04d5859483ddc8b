// Event times as ISO 8601 date-times, read strictly: what Segment's and RudderStack's clients write
// (`toISOString()`, RFC 3339). `Date.parse` is not a validator: it reads "5" as 2001-05-01, rolls 2026-02-30
// over to 2 March and takes RFC 2822 dates, so every path that reads an event's time reads it here.

// A date, T, a time to the minute or second with an optional fraction, and a zone (Z or ±hh:mm; none is UTC).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number) => (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : DAYS_IN_MONTH[month - 1]);

/** Whether the date and time are a real one (no 30 February, no 24:00). */
const valid = (year: number, month: number, day: number, hour: number, minute: number, second: number) =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 && minute <= 59 && second <= 59;

/** The digits of `text` from `at` to `end` as a number; NaN if any is not a digit. */
function digits(text: string, at: number, end: number): number {
  let n = 0;
  for (let i = at; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/** `toISOString()`'s own form, 2026-03-02T10:00:00.000Z, read without a regular expression: nearly every event's. */
function parseIsoString(text: string): number {
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 ||
    text.charCodeAt(23) !== 90
  ) {
    return Number.NaN;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const ms = digits(text, 20, 23);
  // NaN fails every comparison in valid().
  if (Number.isNaN(ms) || !valid(year, month, day, hour, minute, second)) return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** Midnight UTC of a real day written YYYY-MM-DD (no 2026-02-30, no month 13); NaN for anything else. */
export function parseDay(text: string): number {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const [year, month, day] = [digits(text, 0, 4), digits(text, 5, 7), digits(text, 8, 10)];
  return valid(year, month, day, 0, 0, 0) ? Date.UTC(year, month - 1, day) : Number.NaN;
}

/** Milliseconds since the epoch of an ISO 8601 date-time; NaN for anything else, impossible dates included. */
export function parseTimestamp(text: string): number {
  if (text.length === 24) {
    const t = parseIsoString(text);
    if (!Number.isNaN(t)) return t;
  }
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const year = +m[1];
  const month = +m[2];
  const day = +m[3];
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (!valid(year, month, day, hour, minute, second)) return Number.NaN;
  const offsetHours = m[10] === undefined ? 0 : +m[10];
  const offsetMinutes = m[11] === undefined ? 0 : +m[11];
  if (offsetHours > 23 || offsetMinutes > 59) return Number.NaN;
  // Milliseconds are the fraction's first three digits, as Date.parse reads them.
  const ms = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset;
}
