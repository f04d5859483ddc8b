// The suppression list: people whose further events are dropped at ingest, before anything is written (deleted
// on request, or opted out). Kept as hashes of their ids (HMAC-SHA-256 under a key made for this store, so that
// a list that leaves it cannot be reversed by hashing guesses), so the list itself never holds what a deletion
// removed; an event is checked by hashing its ids, only while the list has anyone on it.

import { createHmac } from 'node:crypto';
import type { Validated } from '../ingest/validate';
import type { IdHash, PeopleStore, Suppression } from '../store/store';

// The count of dropped events is saved at most this often (a crash loses the last few seconds' count, no event).
const SAVE_COUNT_MS = 5000;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class SuppressionList {
  private readonly _list = new Map<IdHash, Suppression>();
  private _saved = 0;
  private _unsaved = 0;
  private _timer: NodeJS.Timeout | null = null;
  private _key: Buffer | null = null;

  constructor(private readonly _store: PeopleStore) {}

  async load(): Promise<void> {
    this._key = Buffer.from(await this._store.hashKey(), 'utf8');
    for (const s of await this._store.listSuppressions()) this._list.set(s.hash, s);
    this._saved = await this._store.suppressedDropped();
  }

  get size(): number {
    return this._list.size;
  }

  /** Events dropped because their person is suppressed, since the store began. */
  get dropped(): number {
    return this._saved + this._unsaved;
  }

  list(): Suppression[] {
    return [...this._list.values()];
  }

  /** How an id is kept on the list (and in the records of requests): its HMAC-SHA-256 under the store's key, hex. */
  hashOf(id: string): IdHash {
    if (!this._key) throw new Error('SuppressionList: load() first');
    return createHmac('sha256', this._key).update(id, 'utf8').digest('hex');
  }

  has(id: string | null | undefined): boolean {
    return id !== null && id !== undefined && this._list.size > 0 && this._list.has(this.hashOf(id));
  }

  hasHash(hash: IdHash): boolean {
    return this._list.has(hash);
  }

  /** Whether a raw event (valid or not) names a suppressed person: as its anonymous id, user id or an alias's previous id. */
  names(raw: unknown): boolean {
    if (typeof raw !== 'object' || raw === null) return false;
    const e = raw as Record<string, unknown>;
    const properties = typeof e.properties === 'object' && e.properties !== null ? (e.properties as Record<string, unknown>) : {};
    return this.has(text(e.anonymousId)) || this.has(text(e.userId)) || this.has(text(properties.previous_id)) || this.has(text(e.previousId));
  }

  /**
   * Takes a suppressed person's events out of what validation found (their quarantined ones too): `dropped`, how
   * many. Another user's event on their device keeps that user, without the device's id: `changed`, some were so.
   */
  drop(validated: Validated, rawEvents: readonly unknown[]): { dropped: number; changed: boolean } {
    if (this._list.size === 0) return { dropped: 0, changed: false };
    let dropped = 0;
    let changed = false;
    for (let i = validated.valid.length - 1; i >= 0; i--) {
      const e = validated.valid[i];
      const anonymous = this.has(e.anonymousId);
      if (anonymous && e.userId && !this.has(e.userId)) {
        validated.valid[i] = { ...e, anonymousId: null };
        validated.positions[i] = -1;
        changed = true;
        continue;
      }
      if (!anonymous && !this.has(e.userId) && !this.has(text(e.properties.previous_id))) continue;
      validated.valid.splice(i, 1);
      validated.positions.splice(i, 1);
      dropped++;
    }
    for (let i = validated.rejected.length - 1; i >= 0; i--) {
      if (!this.names(rawEvents[validated.rejected[i].index])) continue;
      validated.rejected.splice(i, 1);
      validated.quarantined.splice(i, 1);
      dropped++;
    }
    this._count(dropped);
    return { dropped, changed: changed || dropped > 0 };
  }

  /** Puts the ids' person on the list, for good, before resolving. */
  async add(ids: readonly string[], reason: Suppression['reason'], at: number): Promise<IdHash[]> {
    const rows = [...new Set(ids)].map((id) => ({ hash: this.hashOf(id), reason, at }));
    await this._store.suppress(rows);
    for (const row of rows) this._list.set(row.hash, row);
    return rows.map((r) => r.hash);
  }

  /** Takes a hash off the list; false when it was not on it. */
  async remove(hash: IdHash): Promise<boolean> {
    const removed = await this._store.unsuppress(hash);
    this._list.delete(hash);
    return removed;
  }

  async close(): Promise<void> {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    await this._save();
  }

  private _count(n: number): void {
    if (n === 0) return;
    this._unsaved += n;
    this._timer ??= setTimeout(() => {
      this._timer = null;
      void this._save();
    }, SAVE_COUNT_MS).unref();
  }

  private async _save(): Promise<void> {
    const n = this._unsaved;
    if (n === 0) return;
    this._unsaved = 0;
    try {
      await this._store.addSuppressedDropped(n);
      this._saved += n;
    } catch {
      this._unsaved += n; // told again at the next save
    }
  }
}
