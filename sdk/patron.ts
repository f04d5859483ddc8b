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
  check(options?.writeKey && options.endpoint, 'patron: writeKey and endpoint are required');
  const core = createCore(options);
  // Parts call one another through `patron`, once it is built. In this order: consent decides whether
  // identity may mint an id, and delivery's queue stands before anything is tracked.
  const patron = {} as Patron;
  const parts: Patron = {
    ...consent(core),
    ...identity(core),
    ...delivery(core, patron),
    ...tracking(core, patron),
    ...reads(core),
    ...targeting(core, patron),
    ...slots(core, patron),
  };
  return Object.assign(patron, parts);
}
