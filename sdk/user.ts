// Who the visitor is: an anonymous id per browser (per visit in anonymous mode) and, after identify, the
// shop's own id for the customer, which ties the browser's history to them on every device.

import type { Patron } from './api';
import { check, type Core } from './core';
import { SESSION_KEY, uuid } from './ids';
import { enqueue } from './tracking';

const ANONYMOUS_ID_KEY = 'patron.aid';
const USER_ID_KEY = 'patron.uid';

export const newAnonymousId = (core: Core) => core._storage._set(ANONYMOUS_ID_KEY, (core._anonymousId = uuid()));

/** Consent denied: the identifiers and the visit go, from both storages (anonymous mode may have changed). */
export function forgetVisitor(core: Core): void {
  for (const key of [ANONYMOUS_ID_KEY, USER_ID_KEY, SESSION_KEY]) {
    core._storage._remove(key);
    core._local._remove(key);
  }
  core._anonymousId = '';
  core._userId = null;
}

export function identity(core: Core): Pick<Patron, 'identify' | 'reset' | 'anonymousId' | 'userId'> {
  const { _options: options, _storage: storage } = core;
  core._anonymousId = storage._get(ANONYMOUS_ID_KEY) ?? '';
  if (!core._anonymousId && core._consent !== 'denied') newAnonymousId(core);
  core._userId = options.anonymous ? null : storage._get(USER_ID_KEY);
  return {
    identify(userId, traits) {
      check(typeof userId === 'string' && userId, 'patron.identify needs a userId');
      if (options.anonymous || core._consent === 'denied') return;
      storage._set(USER_ID_KEY, (core._userId = userId));
      core._profile = null;
      enqueue(core, 'identify', { traits: traits ?? {} });
    },
    anonymousId: () => core._anonymousId,
    userId: () => core._userId,
    reset() {
      storage._remove(USER_ID_KEY);
      core._userId = null;
      core._profile = null;
      newAnonymousId(core);
    },
  };
}
