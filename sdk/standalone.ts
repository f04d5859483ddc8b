// The script-tag build: <script async src=".../patron.js" data-write-key="..." data-endpoint="...">.
// Reads its options from the tag, replays calls queued by the stub snippet, tracks the page view and
// fills recommendation slots and segment-targeted content. Never throws into the host page.

import type { Consent, Patron } from './api';
import { createPatron } from './patron';
import { warn } from './core';

type Call = [keyof Patron, ...unknown[]];

declare global {
  interface Window {
    patron?: Patron | (Call[] & { q?: Call[] });
  }
}

(() => {
  try {
    const script = document.currentScript as HTMLScriptElement | null;
    const data = script ? script.dataset : ({} as DOMStringMap);
    const stub = window.patron as (Call[] & { q?: Call[] }) | undefined;
    // Without data-write-key or data-endpoint (nor a src to take the origin from), createPatron throws
    // and the catch below says so on the console.
    const patron = createPatron({
      writeKey: data.writeKey!,
      endpoint: data.endpoint ?? (script?.src ? new URL(script.src).origin : ''),
      debug: data.debug === 'true',
      anonymous: data.anonymous === 'true',
      consent: (data.consent || undefined) as Consent | undefined,
    });
    window.patron = patron;
    // The stub snippet's queue (patron.q), or an array of calls the page made itself.
    const calls = ([stub?.q, stub].find(Array.isArray) as Call[] | undefined) ?? [];
    if (data.page !== 'false') patron.page();
    for (const [method, ...args] of calls) {
      try {
        (patron[method] as (...a: unknown[]) => unknown)(...args);
      } catch (error) {
        warn(error);
      }
    }
    const render = () => {
      void patron.renderSlots();
      void patron.renderTargeted();
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
    else render();
  } catch (error) {
    warn(error);
  }
})();
