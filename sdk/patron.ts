// createPatron(options): the SDK's one factory. It composes the parts, each a concern in a file of its own,
// over the core they share (core.ts); the public types are in api.ts.

import type { Patron, PatronOptions } from './api';
import { consent } from './consent';
import { check, createCore } from './core';
import { delivery } from './delivery';
import { reads } from './reads';
import { slots } from './slots';
import { targeting } from './targeting';
import { tracking } from './tracking';
import { identity } from './user';

export function createPatron(options: PatronOptions): Patron {
  check(options?.writeKey && options.endpoint, 'patron needs writeKey and endpoint');
  const core = createCore(options);
  // In this order: consent decides whether identity may mint an id, and delivery's queue stands before
  // anything is tracked. `satisfies` checks that the parts together make the whole Patron.
  return Object.assign(core, {
    ...consent(core),
    ...identity(core),
    ...delivery(core),
    ...tracking(core),
    ...reads(core),
    ...targeting(core),
    ...slots(core),
  } satisfies Patron);
}
