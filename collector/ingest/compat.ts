// What real tracking clients send, read as they mean it, before validation: Segment's analytics-next sends
// `"userId": null` before identify and a `sentAt` to correct the client's clock by; RudderStack's SDK sends
// `"userId": ""` for anonymous shoppers, `originalTimestamp` (no `timestamp`), a numeric `context.sessionId`
// and identify traits in `context.traits`. An event that needs none of this is returned as it is (and may be
// stored as it arrived); one that does is a new object, stored as rebuilt.

import { isRecord } from '../domain/stored-event';
import { parseTimestamp } from '../domain/timestamp';

/**
 * A client clock off by more than this is corrected as Segment does (timestamp + receivedAt - sentAt); less is
 * left alone (it is within what the network and the client's queue take anyway).
 */
export const CLOCK_SKEW_TOLERANCE_MS = 60_000;

const unset = (v: unknown) => v === null || v === '';

/** How far the client's clock is behind the collector's (ms), when it is off by more than the tolerance; else 0. */
export function clockSkew(sentAt: unknown, receivedAt: number): number {
  if (typeof sentAt !== 'string') return 0;
  const sent = parseTimestamp(sentAt);
  const skew = receivedAt - sent;
  return Number.isFinite(skew) && Math.abs(skew) > CLOCK_SKEW_TOLERANCE_MS ? skew : 0;
}

/** Whether anything in `e` needs reading differently (the common case: nothing, and nothing is allocated). */
function needsReading(e: Record<string, unknown>, skew: number): boolean {
  return (
    skew !== 0 ||
    unset(e.userId) ||
    unset(e.anonymousId) ||
    (e.timestamp === undefined && e.originalTimestamp !== undefined) ||
    (isRecord(e.context) && (typeof e.context.sessionId === 'number' || (e.type === 'identify' && e.traits === undefined && isRecord(e.context.traits))))
  );
}

/**
 * The event as Patron reads it. `batchSentAt`: the batch envelope's `sentAt`, for events without their own.
 * Anything it does not recognise is left for validation to judge.
 */
export function asMeant(raw: unknown, batchSentAt: unknown, receivedAt: number): unknown {
  if (!isRecord(raw)) return raw;
  const skew = clockSkew(raw.sentAt ?? batchSentAt, receivedAt);
  if (!needsReading(raw, skew)) return raw;
  const e = { ...raw };
  if (unset(e.userId)) delete e.userId;
  if (unset(e.anonymousId)) delete e.anonymousId;
  if (e.timestamp === undefined && e.originalTimestamp !== undefined) e.timestamp = e.originalTimestamp;
  if (skew !== 0 && typeof e.timestamp === 'string') {
    const t = parseTimestamp(e.timestamp);
    if (Number.isFinite(t)) e.timestamp = new Date(t + skew).toISOString();
  }
  if (isRecord(e.context)) {
    const context = { ...e.context };
    // RudderStack's session id is the session's start in milliseconds.
    if (typeof context.sessionId === 'number' && Number.isSafeInteger(context.sessionId)) context.sessionId = String(context.sessionId);
    if (e.type === 'identify' && e.traits === undefined && isRecord(context.traits)) e.traits = context.traits;
    e.context = context;
  }
  return e;
}
