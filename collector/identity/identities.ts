// Who a person is, the one rule every part of the collector follows: a person is their userId once the shop
// knows it; before that, their anonymousId, or the user that anonymous id was tied to by an event naming both
// (identify, or any call once logged in) or by an alias call. The store's SQL says the same thing as
// COALESCE(e.user_id, i.user_id, e.anonymous_id), identities i being the ties kept here.

import type { StoredEvent } from '../domain/stored-event';
import type { IdentityLink, IdentityStore } from '../store/store';

/** The id an event itself names its person by (a tie may later make it someone else's). */
export const idOnEvent = (e: StoredEvent): string => (e.userId ?? e.anonymousId)!;

export class Identities {
  /** anonymousId (or an alias's previous id) -> userId. */
  private readonly _users = new Map<string, string>();

  constructor(private readonly _store: IdentityStore) {}

  async load(): Promise<void> {
    for (const [anonymousId, userId] of await this._store.listIdentities()) this._users.set(anonymousId, userId);
  }

  /** The user an anonymous id has been tied to, if any. */
  userOf(anonymousId: string): string | undefined {
    return this._users.get(anonymousId);
  }

  /** Whose history an event or a request belongs to: the user once known, the anonymous visitor until then. */
  personOf(anonymousId?: string | null, userId?: string | null): string | undefined {
    return userId ?? (anonymousId ? (this._users.get(anonymousId) ?? anonymousId) : undefined);
  }

  /**
   * Whose history a request is about. A userId the models have not seen yet (`known` says; the identify call
   * may still be on its way) must not hide the visitor's anonymous history.
   */
  viewerOf(anonymousId: string | undefined, userId: string | undefined, known: (id: string) => boolean): string | undefined {
    if (userId && (known(userId) || !anonymousId)) return userId;
    return this.personOf(anonymousId, null) ?? userId;
  }

  /** The tie an event makes between an earlier id and its user, when it is not made yet. */
  tieOf(e: StoredEvent): { earlier: string; userId: string } | undefined {
    const earlier = e.type === 'alias' ? (e.properties.previous_id as string | undefined) : e.anonymousId;
    if (!earlier || !e.userId || earlier === e.userId || this._users.get(earlier) === e.userId) return undefined;
    return { earlier, userId: e.userId };
  }

  /** Ties an earlier id to a user, from now on (the models move its history themselves). */
  tie(earlier: string, userId: string): void {
    this._users.set(earlier, userId);
  }

  /** The ties that new events make, as the store keeps them (the last for each earlier id). */
  newLinks(events: readonly StoredEvent[]): IdentityLink[] {
    const links = new Map<string, IdentityLink>();
    for (const e of events) {
      const tie = this.tieOf(e);
      if (tie) links.set(tie.earlier, { anonymousId: tie.earlier, userId: tie.userId, at: e.timestamp });
    }
    return [...links.values()];
  }

  /**
   * Every id of the person `id` names: their user (the user `id` is tied to, or `id` itself) and every id tied to
   * it, ties of ties included. Walks the ties a slice at a time (a million of them take tens of milliseconds).
   */
  async linkedIds(id: string): Promise<string[]> {
    let user = id;
    for (const seen = new Set([id]); this._users.has(user) && !seen.has(this._users.get(user)!); seen.add(user)) user = this._users.get(user)!;
    const ids = new Set([id, user]);
    for (let grew = true; grew;) {
      grew = false;
      let n = 0;
      for (const [earlier, tiedTo] of this._users) {
        if (ids.has(tiedTo) && !ids.has(earlier)) {
          ids.add(earlier);
          grew = true;
        }
        if (++n % 50_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return [...ids];
  }

  /** Forgets the ties of a person's ids (all of them, as linkedIds gives them: every tie to their user is one's). */
  forget(ids: readonly string[]): void {
    for (const id of ids) this._users.delete(id);
  }

  /** Keeps ties for good. */
  async save(links: readonly IdentityLink[]): Promise<void> {
    if (links.length) await this._store.linkIdentities(links);
  }
}
