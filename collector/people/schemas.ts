// What a person's requests take: ids as events name people, at most a hundred to a request.

import { z } from 'zod';
import { LIMITS } from '../domain/limits';

export const personIdSchema = z.string().min(1).max(LIMITS.idLength);
export const deletionIdSchema = z.string().regex(/^[0-9a-f-]{36}$/, 'must be a deletion request id');
export const hashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash, hex');

const ids = z.array(personIdSchema).min(1).max(100);

export const idsBodySchema = z.strictObject({ ids });
export const suppressBodySchema = z.strictObject({ ids });
export const unsuppressBodySchema = z
  .strictObject({ ids: ids.optional(), hashes: z.array(hashSchema).min(1).max(100).optional() })
  .refine((b) => b.ids !== undefined || b.hashes !== undefined, { message: 'needs ids or hashes', path: ['ids'] });
export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.coerce.number().int().min(1).optional(),
});
