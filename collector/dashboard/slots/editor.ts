// The merchants' slot editor: create and edit recommendation slots through the admin API, and preview what a
// slot would show on a product page, to a visitor, with a cart. The collector validates; its issues are shown
// next to the form, field by field.

import { type Api, byId } from '../api';
import { showErrors } from './errors';
import { createSlotForm } from './form';
import { markOpen, showSlotList } from './list';
import { createPreview } from './preview';
import type { Slot } from './slot';

export function createSlotEditor(api: Api) {
  const form = createSlotForm();
  const preview = createPreview(api, form.name);
  let current: string | undefined;

  /** Opens a slot (an empty one for a new slot) with nothing left of the last one's save, preview or errors. */
  function fill(slot: Partial<Slot>) {
    current = slot.name;
    form.fill(slot);
    byId('saved').textContent = '';
    preview.clear();
    showErrors(null);
    markOpen(slot.name);
  }

  /** Lists the slots again and opens `selected`, or the first one when none was open yet. */
  async function refresh(selected?: string) {
    const { slots } = await api<{ slots: Slot[] }>('GET', '/v1/slots');
    showSlotList(slots, fill);
    const chosen = slots.find((s) => s.name === selected);
    if (chosen) fill(chosen);
    else if (current === undefined && slots.length) fill(slots[0]);
  }

  form.element.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = form.name();
    byId('saved').textContent = '';
    api<Slot>('PUT', `/v1/slots/${encodeURIComponent(name)}`, form.read()).then(async () => {
      showErrors(null);
      await refresh(name);
      byId('saved').textContent = `Saved: the shop shows it on the next page view`;
    }, showErrors);
  });
  byId('delete-slot').addEventListener('click', () => {
    const name = form.name();
    if (!name || !confirm(`Delete the slot ${name}? Pages that name it will show nothing there.`)) return;
    api('DELETE', `/v1/slots/${encodeURIComponent(name)}`).then(() => {
      fill({});
      return refresh();
    }, showErrors);
  });
  byId('new-slot').addEventListener('click', () => fill({}));

  return { refresh, fill };
}
