// The Patron object as its parts see it: the options, the browser it runs in and the visitor's state beside
// its calls. Every dependency on the browser is passed in with a default, which makes it testable in happy-dom.

import type { Consent, Patron, PatronOptions } from './api';
import { safeStorage, type SafeStorage } from './ids';
import type { Queue } from './queue';
import type { ProfileResponse, WireEvent } from './wire';

/**
 * The Patron object itself, with the SDK's internals beside its calls: one object for the parts to share
 * and to call one another through. Internal members are `_`-prefixed: left out of the Patron type, and
 * shortened by the minifier. The state below the line is set up by the part that owns it, each in turn
 * as createPatron composes them.
 */
export interface Core extends Patron {
  readonly _options: PatronOptions;
  readonly _win?: Window;
  readonly _doc?: Document;
  readonly _nav?: Navigator;
  readonly _fetch: typeof fetch;
  /** The collector's base URL, without a trailing slash. */
  readonly _endpoint: string;
  /** localStorage: the visitor's consent, the dropped count, the tabs alive. */
  readonly _local: SafeStorage;
  /** Where the visitor's identifiers live: localStorage, or sessionStorage in anonymous mode. */
  readonly _storage: SafeStorage;
  _debug(...args: unknown[]): void;

  /** consent.ts */
  _consent: Consent;
  /** consent.ts: events tracked while consent is pending, in memory only, sent once granted. */
  _held: WireEvent[];
  /** user.ts: '' while consent is denied. */
  _anonymousId: string;
  /** user.ts */
  _userId: string | null;
  /** targeting.ts: the visitor's profile, asked for once per page and visitor. */
  _profile?: Promise<ProfileResponse | null> | null;
  /** delivery.ts: the durable queue. */
  _queue: Queue;
}

export function createCore(options: PatronOptions): Core {
  const win = options.window ?? globalThis.window; // none outside a browser
  const storage = (given: Storage | null | undefined, name: 'localStorage' | 'sessionStorage') => safeStorage(() => (given !== undefined ? given : win?.[name]));
  const local = storage(options.storage, 'localStorage');
  return {
    _options: options,
    _win: win,
    _doc: win?.document,
    _nav: win?.navigator,
    _fetch: options.fetch ?? win?.fetch?.bind(win) ?? fetch,
    _endpoint: options.endpoint.replace(/\/+$/, ''),
    _local: local,
    // Anonymous mode keeps identifiers for the visit only.
    _storage: options.anonymous ? storage(options.sessionStorage, 'sessionStorage') : local,
    _debug: (...args) => options.debug && warn(...args),
  } as Core;
}

/** What the SDK tells a developer on the console: in debug mode, and when the script tag cannot start. */
export const warn = (...args: unknown[]) => console.warn('[patron]', ...args);

/** Plain API misuse is the one thing the SDK throws for; everything else is caught and logged in debug mode. */
export function check(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

/** The ids that go with an event or a question to the collector. */
// An absent user is undefined, which JSON and the query string leave out.
export const ids = ({ _anonymousId: anonymousId, _userId: userId }: Core): { anonymousId: string; userId?: string } => ({ anonymousId, userId: userId || undefined });
