// A merchant's slot: where and what Patron recommends, as the merchant configures it and the store keeps it.

import { z } from 'zod';
import { STRATEGIES, type Strategy } from '../../sdk/wire';
import { SIMILARITIES } from '../../recommender';
import { id, label, money } from './fields';

export const strategySchema = z.enum(STRATEGIES as [Strategy, ...Strategy[]]);

export const slotNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1-64 lowercase letters, digits and dashes');

/** Strict, so a misspelt field is an error, not ignored. */
export const slotConfigSchema = z.strictObject({
  strategy: strategySchema,
  description: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(50).default(8),
  similarity: z.enum(SIMILARITIES as [string, ...string[]]).default('jaccard'),
  /** Pairs seen together fewer times than this are left out. */
  minSupport: z.number().int().min(1).max(1000).default(1),
  filters: z
    .strictObject({
      categoryIn: z.array(label).max(200).optional(),
      categoryNotIn: z.array(label).max(200).optional(),
      priceMin: money.optional(),
      priceMax: money.optional(),
      inStockOnly: z.boolean().default(true),
      excludePurchased: z.boolean().default(false),
      excludeCart: z.boolean().default(false),
    })
    .refine((f) => f.priceMin === undefined || f.priceMax === undefined || f.priceMin <= f.priceMax, { message: 'must not exceed priceMax', path: ['priceMin'] })
    .default({ inStockOnly: true, excludePurchased: false, excludeCart: false }),
  boosters: z
    .array(
      z
        .strictObject({
          weight: z.number().positive().max(1000),
          category: label.optional(),
          attribute: z.strictObject({ name: label, value: z.union([z.string().max(1000), z.number(), z.boolean()]) }).optional(),
        })
        .refine((b) => b.category !== undefined || b.attribute !== undefined, { message: 'needs a category or an attribute', path: ['category'] }),
    )
    .max(50)
    .default([]),
  pinned: z
    .array(z.strictObject({ item: id, position: z.number().int().min(0).max(49) }))
    .max(50)
    .default([]),
  maxPerCategory: z.number().int().min(1).max(50).optional(),
  /** Tried in order when the strategy has too few products: a slot is never empty on a cold item. */
  fallback: z.array(strategySchema).max(7).default(['also-bought', 'also-viewed', 'popular']),
});
export type SlotConfig = z.output<typeof slotConfigSchema>;
