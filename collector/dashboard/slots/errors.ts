// The collector's objections beside the slot form: one line an issue, naming the field it is about, so that
// the merchant sees what the admin API refused without the editor repeating its rules.

import { ApiError, byId, el } from '../api';

/** Shows an error's issues (or its message, when it has none); null clears them. */
export function showErrors(error: unknown) {
  const ul = byId('errors');
  ul.replaceChildren();
  if (!error) return;
  const issues = error instanceof ApiError && error.issues.length ? error.issues : [{ path: '', message: (error as Error).message }];
  ul.append(...issues.map((i) => el('li', {}, `${i.path ? `${i.path}: ` : ''}${i.message}`)));
}
