// A validated event in the shape the store keeps: one function, shared by ingest and the journal's worker,
// which rebuilds each stored event from the journalled request body exactly as ingest made it.

import type { ValidEvent } from './schemas';
import type { StoredEvent } from './store/types';

export function toStored(e: ValidEvent, receivedAt: number): StoredEvent {
  return {
    messageId: e.messageId,
    type: e.type,
    event: e.type === 'track' ? e.event : e.type === 'page' || e.type === 'screen' ? (e.name ?? null) : null,
    anonymousId: e.anonymousId ?? null,
    userId: e.userId ?? null,
    sessionId: e.context?.sessionId ?? null,
    timestamp: Date.parse(e.timestamp),
    receivedAt,
    properties:
      e.type === 'track' || e.type === 'page' || e.type === 'screen'
        ? (e.properties ?? {})
        : e.type === 'group'
          ? { group_id: e.groupId }
          : e.type === 'alias'
            ? { previous_id: e.previousId }
            : {},
    context: e.context ?? {},
    traits: e.type === 'identify' || e.type === 'group' ? (e.traits ?? {}) : null,
  };
}
