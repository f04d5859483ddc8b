// Ingest's first step: each raw event checked once, at the boundary. The valid ones become stored events;
// each invalid one is answered by its index with the reasons, and kept in the quarantine (its start, as it
// arrived: a few invalid events of many bytes cannot fill the disk).

import type { EventType, Issue, RejectedEvent } from '../../sdk/wire';
import { eventSchema, type ValidEvent } from '../domain/event';
import { LIMITS } from '../domain/limits';
import { isRecord, toStored, withImpliedType, type QuarantinedEvent, type StoredEvent } from '../domain/stored-event';
import { issuesOf } from '../domain/issues';
import { asMeant } from './compat';
import { fastValid } from './fast-validate';

export interface Validated {
  valid: StoredEvent[];
  /** Where each valid event is in the request's events when it is stored as it arrived there; -1: zod's reading of it. */
  positions: number[];
  rejected: RejectedEvent[];
  quarantined: QuarantinedEvent[];
}

/**
 * Whether objects and arrays nest deeper than `limit`. Recursion stops at the limit, so hostile depth cannot
 * overflow the stack; nothing is allocated (this runs on every event).
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && nestsDeeperThan(child, limit - 1)) return true;
  }
  return false;
}

/** JSON for the quarantine, whatever arrives: never throws, never stores more than `max` characters. */
function quarantineText(raw: unknown, max: number): string {
  if (nestsDeeperThan(raw, LIMITS.depth * 4)) return '"(not kept: nested too deeply)"';
  try {
    return (JSON.stringify(raw) ?? 'null').slice(0, max);
  } catch (error) {
    return JSON.stringify(`(not kept: ${(error as Error).message})`);
  }
}

// An event of 500 bad products has 500 reasons: the quarantine keeps the first few and how many more there were.
const KEPT_REASONS = 20;
const keptReasons = (issues: Issue[]): Issue[] =>
  issues.length <= KEPT_REASONS ? issues : [...issues.slice(0, KEPT_REASONS), { path: '(event)', message: `and ${issues.length - KEPT_REASONS} more reasons` }];

/** What is wrong with an event before its fields are read: the wrong type for its endpoint, its depth or size. */
function shapeIssues(raw: unknown, candidate: unknown, impliedType: EventType | undefined, small: boolean): Issue[] | undefined {
  if (impliedType && isRecord(candidate) && candidate.type !== impliedType) return [{ path: 'type', message: `must be '${impliedType}' on this endpoint` }];
  if (nestsDeeperThan(raw, LIMITS.depth)) return [{ path: '(event)', message: `nests objects or arrays deeper than ${LIMITS.depth} levels` }];
  if (!small && Buffer.byteLength(JSON.stringify(raw) ?? '') > LIMITS.eventBytes) return [{ path: '(event)', message: `exceeds the limit of ${LIMITS.eventBytes} bytes per event` }];
  return undefined;
}

/** How a request's events arrived. */
export interface Arrival {
  /** The type their endpoint gives events that name none (/v1/track and the like). */
  impliedType?: EventType;
  /** The size of the request body they came in: a body under the per-event limit needs no size check per event. */
  bodyBytes?: number;
  receivedAt: number;
  /** Events already found invalid in the body's text, by index. */
  refused?: ReadonlyMap<number, Issue[]>;
  /** The batch envelope's `sentAt`, for the events that carry none of their own. */
  sentAt?: unknown;
}

/** Checks raw events (of a batch, or one whose type its endpoint implies), read as their clients meant them. */
export function validateEvents(rawEvents: readonly unknown[], { impliedType, bodyBytes, receivedAt, refused, sentAt }: Arrival): Validated {
  const small = bodyBytes !== undefined && bodyBytes <= LIMITS.eventBytes;
  const out: Validated = { valid: [], positions: [], rejected: [], quarantined: [] };
  for (let index = 0; index < rawEvents.length; index++) {
    const raw = rawEvents[index];
    const implied = withImpliedType(raw, impliedType);
    const candidate = asMeant(implied, sentAt, receivedAt);
    let issues = refused?.get(index) ?? shapeIssues(raw, candidate, impliedType, small);
    if (!issues && fastValid(candidate, receivedAt)) {
      // Accepted by the fast check, so zod would accept it unchanged (test/collector/fast-validate.test.ts).
      out.valid.push(toStored(candidate as ValidEvent, receivedAt));
      // Read differently from how it arrived (compat.ts): stored as rebuilt.
      out.positions.push(candidate === implied ? index : -1);
    } else if (!issues) {
      const parsed = eventSchema.safeParse(candidate);
      if (parsed.success) {
        out.valid.push(toStored(parsed.data, receivedAt));
        out.positions.push(-1);
      } else issues = issuesOf(parsed.error);
    }
    if (issues) {
      const messageId = isRecord(raw) && typeof raw.messageId === 'string' ? raw.messageId.slice(0, LIMITS.idLength) : undefined;
      out.rejected.push({ index, ...(messageId ? { messageId } : {}), issues });
      out.quarantined.push({ receivedAt, messageId: messageId ?? null, reasons: keptReasons(issues), raw: quarantineText(raw, LIMITS.quarantinedChars) });
    }
  }
  return out;
}
