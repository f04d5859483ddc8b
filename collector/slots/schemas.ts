// The slot routes' queries: the storefront's request for recommendations, and the analysts' slot report.

import { z } from 'zod';
import { SIMILARITIES } from '../../recommender';
import { id } from '../domain/fields';
import { slotNameSchema, strategySchema } from '../domain/slot-config';
import { day, tableFormat } from '../http/params';

export const recommendationQuerySchema = z
  .object({
    slot: slotNameSchema.optional(),
    strategy: strategySchema.optional(),
    item: id.optional(),
    anonymousId: id.optional(),
    userId: id.optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
    similarity: z.enum(SIMILARITIES as [string, ...string[]]).optional(),
    /** Products in the shopper's cart, as the page knows them (comma-separated). */
    cart: z.string().max(5000).optional(),
    writeKey: z.string().optional(),
  })
  .refine((q) => q.slot !== undefined || q.strategy !== undefined, { message: 'needs a slot or a strategy', path: ['slot'] })
  .refine((q) => q.slot !== undefined || !(q.strategy === 'also-bought' || q.strategy === 'also-viewed') || q.item !== undefined, {
    message: 'is required for this strategy',
    path: ['item'],
  });

export const slotReportQuerySchema = z.object({ from: day.optional(), to: day.optional(), slot: slotNameSchema.optional(), format: tableFormat });
