// A validated event in the shape the store keeps, and the one function that makes it, shared by ingest and the
// journal's worker, which rebuilds each stored event from the journalled request body exactly as ingest made it.

import type { EventContext, EventProperties, EventType, Issue } from '../../sdk/wire';
import type { ValidEvent } from './event';
import { parseTimestamp } from './timestamp';

/** A validated event as stored: times in milliseconds since the epoch. */
export interface StoredEvent {
  messageId: string;
  type: EventType;
  /** track: the event name; page: the page name. */
  event: string | null;
  anonymousId: string | null;
  userId: string | null;
  sessionId: string | null;
  timestamp: number;
  receivedAt: number;
  properties: EventProperties;
  context: EventContext;
  traits: Record<string, unknown> | null;
}

/** A stored event with its JSON columns as the text they are stored as: what exports copy without parsing. */
export interface RawEvent extends Omit<StoredEvent, 'properties' | 'context' | 'traits'> {
  properties: string;
  context: string;
  traits: string | null;
}

/** A stored event with its JSON columns read. */
export function parseRawEvent(raw: RawEvent): StoredEvent {
  return {
    ...raw,
    properties: JSON.parse(raw.properties) as StoredEvent['properties'],
    context: JSON.parse(raw.context) as StoredEvent['context'],
    traits: raw.traits === null ? null : (JSON.parse(raw.traits) as StoredEvent['traits']),
  };
}

export interface QuarantinedEvent {
  receivedAt: number;
  messageId: string | null;
  reasons: Issue[];
  /** The event as it arrived, serialised. */
  raw: string;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body of a single-event endpoint (/v1/track and the like) as an event: its writeKey left out. */
export function singleEventOf(body: Record<string, unknown>): Record<string, unknown> {
  const { writeKey: _key, ...event } = body;
  return event;
}

/** A raw event with the type its endpoint implies, when it names none. */
export function withImpliedType(raw: unknown, impliedType: EventType | undefined): unknown {
  return impliedType && isRecord(raw) && raw.type === undefined ? { ...raw, type: impliedType } : raw;
}

export function toStored(e: ValidEvent, receivedAt: number): StoredEvent {
  return {
    messageId: e.messageId,
    type: e.type,
    event: e.type === 'track' ? e.event : e.type === 'page' || e.type === 'screen' ? (e.name ?? null) : null,
    anonymousId: e.anonymousId ?? null,
    userId: e.userId ?? null,
    sessionId: e.context?.sessionId ?? null,
    timestamp: parseTimestamp(e.timestamp),
    receivedAt,
    properties:
      e.type === 'track' || e.type === 'page' || e.type === 'screen' ? (e.properties ?? {}) : e.type === 'group' ? { group_id: e.groupId } : e.type === 'alias' ? { previous_id: e.previousId } : {},
    context: e.context ?? {},
    traits: e.type === 'identify' || e.type === 'group' ? (e.traits ?? {}) : null,
  };
}
