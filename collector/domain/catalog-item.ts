// A product as the merchant describes it to Patron: what slots show and what their rules filter on.

import { z } from 'zod';
import { id, money } from './fields';

export const catalogItemSchema = z.object({
  id,
  name: z.string().trim().min(1).max(500),
  url: z.string().max(2048).optional(),
  image: z.string().max(2048).optional(),
  price: money.optional(),
  currency: z.string().trim().length(3).toUpperCase().optional(),
  category: z.string().max(200).optional(),
  in_stock: z.boolean().default(true),
  attributes: z.record(z.string(), z.union([z.string().max(1000), z.number(), z.boolean()])).default({}),
});
export type CatalogItem = z.output<typeof catalogItemSchema>;
