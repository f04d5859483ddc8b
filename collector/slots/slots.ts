// The merchant's slots: where and what Patron recommends, kept in memory beside the store (every
// recommendation request reads one).

import type { SlotConfig } from '../domain/slot-config';
import type { Slot, SlotStore } from '../store/store';

export type { Slot };

export class Slots {
  private readonly _slots = new Map<string, Slot>();

  constructor(private readonly _store: SlotStore) {}

  async load(): Promise<void> {
    for (const slot of await this._store.listSlots()) this._slots.set(slot.name, slot);
  }

  get(name: string): Slot | undefined {
    return this._slots.get(name);
  }

  /** Every slot, by name. */
  list(): Slot[] {
    return [...this._slots.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Creates or replaces a slot; `created` when it is new. */
  async put(name: string, config: SlotConfig, at = Date.now()): Promise<{ slot: Slot; created: boolean }> {
    const created = await this._store.putSlot(name, config, at);
    const slot = { name, config, updatedAt: at };
    this._slots.set(name, slot);
    return { slot, created };
  }

  /** Removes a slot; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const removed = await this._store.deleteSlot(name);
    this._slots.delete(name);
    return removed;
  }
}
