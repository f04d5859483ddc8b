// The catalog route's body: `{ items: [...] }`, or the bare array.

import { z } from 'zod';
import { catalogItemSchema } from '../domain/catalog-item';

export const catalogUpsertSchema = z.preprocess((body) => (Array.isArray(body) ? { items: body } : body), z.object({ items: z.array(catalogItemSchema).min(1).max(10_000) }));
