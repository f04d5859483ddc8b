// The list of slots beside the form: each a link that opens it in the form, with its strategy and its
// description as text (a description is the merchant's free text: never markup).

import { byId, el } from '../api';
import type { Slot } from './slot';

export function showSlotList(slots: readonly Slot[], open: (slot: Slot) => void) {
  byId('slot-list').replaceChildren(
    ...slots.map((slot) => {
      const a = el('a', { href: `#slots/${slot.name}`, 'data-slot': slot.name }, slot.name);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        open(slot);
      });
      const li = el('li');
      li.append(a, el('span', { class: 'muted' }, ` ${slot.strategy}`));
      if (slot.description) li.append(el('small', { class: 'muted' }, slot.description));
      return li;
    }),
  );
}

/** Marks the slot open in the form (none for a new one). */
export function markOpen(name: string | undefined) {
  document.querySelectorAll('#slot-list a').forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('data-slot') === name));
}
