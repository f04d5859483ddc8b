// Ingest, one straight line: validate, store, then tell each part that learns from events: identities, the
// models, slot attribution, and the refit schedule. The store has an event before anything learns from it.

import type { BatchResponse, EventType, Issue } from '../../sdk/wire';
import type { Refits } from '../customers/refit';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Attribution } from '../slots/attribution';
import type { SuppressionList } from '../people/suppression';
import type { EventStore } from '../store/store';
import { minimiseContexts, type ContextPrivacy } from './privacy';
import { validateEvents } from './validate';

export interface IngestParts {
  store: EventStore;
  identities: Identities;
  learner: Learner;
  attribution: Attribution;
  refits: Refits;
  /** People whose events are dropped before anything is written. */
  suppression: SuppressionList;
  /** What is kept of the client's IP address and user agent. */
  privacy: ContextPrivacy;
}

export interface IngestRequest {
  events: unknown[];
  /** The type the endpoint gives events that name none (/v1/track and the like). */
  impliedType?: EventType;
  /**
   * The request body the events came in (a batch, or one event when the endpoint implies its type), which the
   * store may keep as it arrived instead of serialising each event again.
   */
  body?: Buffer;
  /** Events the client's queue had to drop before it could send them. */
  dropped?: number;
  /** Events refused for what their raw text holds (a repeated key), by index, with the reasons. */
  refused?: ReadonlyMap<number, Issue[]>;
  /** The batch envelope's `sentAt`: the client's clock when it sent the batch. */
  sentAt?: unknown;
}

export type Ingest = (request: IngestRequest) => Promise<BatchResponse>;

/** Validates, stores and learns from raw events; what is invalid is quarantined with its reasons. */
export function createIngest({ store, identities, learner, attribution, refits, suppression, privacy }: IngestParts): Ingest {
  return async function ingest({ events, impliedType, body: arrived, dropped, refused, sentAt }) {
    // Events whose address or user agent was taken out are not kept as they arrived: neither is the body.
    const minimised = minimiseContexts(events, privacy);
    const validated = validateEvents(events, { impliedType, bodyBytes: arrived?.length, receivedAt: Date.now(), refused, sentAt });
    // A suppressed person's events are answered as accepted (the client has nothing to resend) and never written:
    // the body, which holds them, is not kept either.
    const { dropped: suppressed, changed } = suppression.drop(validated, events);
    const body = minimised || changed ? undefined : arrived;
    const { valid, positions, rejected, quarantined } = validated;
    const arrival = body && { body, positions, impliedType, single: impliedType !== undefined };
    // Written together, so they share one journal write.
    const [stored, held] = await Promise.allSettled([store.insertEvents(valid, arrival), quarantined.length ? store.quarantine(quarantined) : undefined]);
    if (stored.status === 'rejected') throw stored.reason;
    const { inserted, duplicates } = stored.value;
    // Stored events are learnt from whatever fails after: a resend of the batch finds them stored, and would
    // never bring them to the models.
    const links = identities.newLinks(inserted);
    learner.learn(inserted);
    const deltas = attribution.observe(inserted, links);
    refits.eventsArrived(inserted.length);
    if (held.status === 'rejected') throw held.reason;
    // Counted once the events are stored: a batch refused (503) and sent again would count its losses twice.
    if (dropped) await store.addClientDropped(dropped);
    await Promise.all([identities.save(links), attribution.save(deltas)]);
    return { success: true, accepted: inserted.length + suppressed, duplicates, rejected };
  };
}
