// A person's data on request (GDPR articles 15 and 17, CCPA): everything Patron holds about them exported, and
// them forgotten everywhere: suppressed at ingest first (nothing new of theirs is written from then), then taken
// out of the in-memory models (what they added to co-occurrences and popularity counted apart and taken away), then
// out of the store, its journal and files included. Each deletion is a request with a status (pending, done,
// verified) and a verification that searches every place for their ids, as PostHog records one; each export and
// deletion goes in the audit log.

import { randomUUID } from 'node:crypto';
import type { CustomerInsights } from '../customers/insights';
import type { Refits } from '../customers/refit';
import { parseRawEvent, type RawEvent } from '../domain/stored-event';
import type { Experiments } from '../experiments/experiments';
import type { Identities } from '../identity/identities';
import type { Learner } from '../models/learner';
import type { Attribution } from '../slots/attribution';
import type { AuditEntry, DeletionRecord, Store } from '../store/store';
import type { SuppressionList } from './suppression';

export interface PeopleParts {
  store: Store;
  identities: Identities;
  learner: Learner;
  insights: CustomerInsights;
  experiments: Experiments;
  attribution: Attribution;
  refits: Refits;
  suppression: SuppressionList;
  log: (message: string) => void;
  now?: () => number;
}

/** A deletion's verification, tried again this often while a reader holds the write-ahead log, at most so many times. */
const VERIFY_AGAIN_MS = 2000;
const VERIFY_TRIES = 15;

const inTimeOrder = (events: readonly RawEvent[]) => [...events].sort((a, b) => a.timestamp - b.timestamp || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));

export class People {
  private readonly _now: () => number;
  /** Deletions run one after another: each waits for the models and the store, and clears the journal. */
  private _queue: Promise<void> = Promise.resolve();
  private readonly _retries = new Set<NodeJS.Timeout>();
  private _closed = false;

  constructor(private readonly _p: PeopleParts) {
    this._now = _p.now ?? Date.now;
  }

  /** Takes up the deletions a stop interrupted (their ids are kept until they are done). */
  async load(): Promise<void> {
    for (const record of await this._p.store.listDeletions('pending')) this._enqueue(record, record.ids);
  }

  /** Every id of the person `id` names (their user and each id tied to it). */
  idsOf(id: string): Promise<string[]> {
    return this._p.identities.linkedIds(id);
  }

  /** Everything Patron holds about the person `id` names, across their linked ids. */
  async export(id: string, actor: string) {
    const ids = await this.idsOf(id);
    const { learner, insights, experiments, store } = this._p;
    await learner.settled();
    const data = await store.personData(ids);
    const person = this._p.identities.personOf(id, null) ?? id;
    const exposures = experiments.list().flatMap((x) => {
      const v = ids.map((i) => x.ledger.variantOf(i)).find((n) => n >= 0);
      return v === undefined ? [] : [{ experiment: x.id, variation: x.variations[v]?.id ?? null }];
    });
    await this.audit(actor, 'export', this._p.suppression.hashOf(person), { ids: ids.length, events: data.events.length });
    return {
      person,
      ids,
      exportedAt: new Date(this._now()).toISOString(),
      profile: {
        activity: learner.customers.get(person) ?? null,
        segment: insights.segmentInfoOf(person),
        value: insights.valueOf(person) ?? null,
        stage: insights.stageOf(person),
        products: learner.interactions.history(person),
      },
      experiments: exposures,
      ...data,
      events: inTimeOrder(data.events).map(parseRawEvent),
      suppressed: ids.some((i) => this._p.suppression.has(i)),
    };
  }

  /** The person's events as NDJSON lines, in time order. */
  async *eventLines(id: string, actor: string): AsyncIterable<string> {
    const ids = await this.idsOf(id);
    const { events } = await this._p.store.personData(ids);
    await this.audit(actor, 'export', this._p.suppression.hashOf(this._p.identities.personOf(id, null) ?? id), { ids: ids.length, events: events.length, format: 'ndjson' });
    for (const e of inTimeOrder(events)) yield `${JSON.stringify(parseRawEvent(e))}\n`;
  }

  /**
   * Forgets the people `ids` name (each across their linked ids): each is suppressed at once, before this
   * resolves, and forgotten in the background; returns their requests, pending.
   */
  async delete(ids: readonly string[], actor: string): Promise<DeletionRecord[]> {
    const records: DeletionRecord[] = [];
    const pending = await this._p.store.listDeletions('pending');
    for (const id of new Set(ids)) {
      // A person asked for twice while the first request is pending: the one request answers both.
      const asked = pending.find((r) => r.ids.includes(id));
      if (asked) {
        records.push(asked);
        continue;
      }
      const linked = await this.idsOf(id);
      const hashes = linked.map((i) => this._p.suppression.hashOf(i));
      const record: DeletionRecord = { id: randomUUID(), status: 'pending', requestedAt: this._now(), actor, ids: linked, hashes, doneAt: null, removed: {}, verifiedAt: null, foundIn: [] };
      // Kept before anything is done, so that a stop at any moment leaves the request to be taken up at start.
      await this._p.store.saveDeletion(record);
      await this._p.suppression.add(linked, 'deleted', this._now());
      await this.audit(actor, 'delete', record.id, { hashes, ids: linked.length });
      this._enqueue(record, linked);
      records.push(record);
      pending.push(record);
    }
    return records;
  }

  /** A deletion request, by id. */
  deletion(id: string): Promise<DeletionRecord | undefined> {
    return this._p.store.getDeletion(id);
  }

  /** Newest first; those of one status when given. */
  deletions(status?: DeletionRecord['status']): Promise<DeletionRecord[]> {
    return this._p.store.listDeletions(status);
  }

  /**
   * Verifies a done deletion again with its ids (a restart forgets them: only their hashes are kept), which must
   * hash to the request's own.
   */
  async verifyWith(record: DeletionRecord, ids: readonly string[]): Promise<DeletionRecord> {
    const hashes = new Set(record.hashes);
    const unknown = ids.filter((id) => !hashes.has(this._p.suppression.hashOf(id)));
    if (unknown.length) throw new Error(`${unknown.length} of the ids are not this request's`);
    return this._verify(record, ids);
  }

  /** Resolves once every deletion asked for so far has run (tests, the CLI). */
  idle(): Promise<void> {
    return this._queue;
  }

  async audit(actor: string, action: AuditEntry['action'], subject: string, detail: Record<string, unknown>): Promise<void> {
    await this._p.store.addAudit({ at: this._now(), actor, action, subject, detail });
  }

  auditLog(limit: number, beforeId?: number) {
    return this._p.store.listAudit(limit, beforeId);
  }

  close(): Promise<void> {
    this._closed = true;
    for (const t of this._retries) clearTimeout(t);
    return this._queue;
  }

  private _enqueue(record: DeletionRecord, ids: readonly string[]): void {
    this._queue = this._queue
      .then(() => this._forget(record, ids))
      .catch((error: Error) => this._p.log(`people: deletion ${record.id} stopped: ${error.stack ?? error.message}; it goes on at the next start`));
  }

  /** Takes the person out of the models, then out of the store; then verifies. */
  private async _forget(record: DeletionRecord, ids: readonly string[]): Promise<void> {
    if (this._closed) return;
    const { store, learner, insights, attribution, refits, identities, suppression } = this._p;
    // Again, for a request a stop interrupted before it was suppressed (it is kept first).
    await suppression.add(ids, 'deleted', this._now());
    // Everything acknowledged before the suppression is in the tables and the models by now: nothing of theirs comes after.
    await learner.settled();
    const events = (await store.personData(ids)).events.map(parseRawEvent);
    await learner.forget(ids, events);
    attribution.forget(ids, events);
    identities.forget(ids);
    // A refit that began before they were forgotten saves them still: it is let finish, and what it saved goes below.
    refits.forget(ids);
    await refits.idle();
    refits.forget(ids);
    insights.forget(ids);
    const removed = await store.forgetPerson(ids);
    const done: DeletionRecord = { ...record, status: 'done', ids: [], doneAt: this._now(), removed };
    await store.saveDeletion(done);
    await this.audit(record.actor, 'deleted', record.id, { removed });
    await this._verify(done, ids);
  }

  /** Searches every place for the ids; verified when none is found, else tried again shortly (a busy log). */
  private async _verify(record: DeletionRecord, ids: readonly string[], tries = VERIFY_TRIES): Promise<DeletionRecord> {
    const { learner, insights, store } = this._p;
    const inMemory = ids.filter((id) => learner.knows(id) || insights.valueOf(id) !== undefined || insights.segmentIdOf(id) !== undefined).map(() => 'the models');
    const found = await store.findPerson(ids);
    const foundIn = [...new Set([...inMemory, ...found.foundIn])];
    const next: DeletionRecord = foundIn.length ? { ...record, foundIn, caveats: found.caveats } : { ...record, status: 'verified', verifiedAt: this._now(), foundIn: [], caveats: found.caveats };
    await store.saveDeletion(next);
    if (!foundIn.length) await this.audit(record.actor, 'verified', record.id, {});
    else if (tries > 1 && !this._closed) {
      const timer = setTimeout(() => {
        this._retries.delete(timer);
        void this._verify(next, ids, tries - 1).catch((error: Error) => this._p.log(`people: verification of ${record.id} failed: ${error.message}`));
      }, VERIFY_AGAIN_MS);
      timer.unref();
      this._retries.add(timer);
    }
    return next;
  }
}
