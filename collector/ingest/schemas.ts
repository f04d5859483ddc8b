// What ingest's routes take besides the events themselves (domain/event.ts): the batch envelope and the
// quarantine's paging.

import { z } from 'zod';
import { LIMITS } from '../domain/limits';

export const batchSchema = z.object({
  batch: z.array(z.unknown()).min(1, 'must hold at least 1 event').max(LIMITS.batchEvents),
  writeKey: z.string().optional(),
  sentAt: z.string().optional(),
  context: z.unknown().optional(),
  /** Events the browser's queue had to drop (over its cap) since its last delivery. */
  dropped: z.number().int().min(0).max(1e9).optional(),
});

export const quarantineQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().optional(),
});
