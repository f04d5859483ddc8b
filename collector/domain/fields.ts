// The values every schema is made of: ids, free text and amounts of money, each with its bounds.

import { z } from 'zod';
import { LIMITS } from './limits';

export const id = z.string().trim().min(1).max(LIMITS.idLength);
export const text = z.string().max(LIMITS.stringLength);
export const money = z.number().finite().min(0).max(1e12);
/** A category or other merchant-given name. */
export const label = z.string().trim().min(1).max(200);
