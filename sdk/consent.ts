// The visitor's consent. granted: track; pending: keep events in memory only until granted; denied: send
// nothing and forget the visitor. A choice made with consent() is remembered and wins on later pages.

import type { Consent, Patron } from './api';
import { check, ids, type Core } from './core';
import { forgetVisitor, newAnonymousId } from './user';

const CONSENT_KEY = 'patron.consent';

export function consent(core: Core): Pick<Patron, 'consent'> {
  const { _options: options, _nav: nav, _local: local } = core;
  // A remembered choice wins; then Global Privacy Control or Do Not Track; then the option.
  const signals = options.honorPrivacySignals !== false && ((nav as { globalPrivacyControl?: boolean } | undefined)?.globalPrivacyControl === true || nav?.doNotTrack === '1');
  core._consent = (local._get(CONSENT_KEY) as Consent | null) ?? (signals ? 'denied' : (options.consent ?? 'granted'));
  core._held = [];
  return {
    consent(state) {
      if (state === undefined) return core._consent;
      check(['granted', 'pending', 'denied'].includes(state), `patron.consent: unknown state ${state}`);
      core._consent = state;
      core._profile = null;
      local._set(CONSENT_KEY, state);
      if (state === 'granted') {
        core._queue._resume();
        if (!core._anonymousId) newAnonymousId(core);
        for (const event of core._held.splice(0)) core._queue._push({ ...event, ...ids(core) });
      } else if (state === 'denied') {
        // Nothing more is sent, and the identifiers and the queue are forgotten.
        core._held = [];
        core._queue._forget();
        forgetVisitor(core);
      }
      return state;
    },
  };
}
