// The values every schema is made of: ids, free text and amounts of money, each with its bounds.

import { z } from 'zod';
import { LIMITS } from './limits';

// A lone surrogate (half of a UTF-16 pair, which JSON's \ud800 can spell) is not text: stored as UTF-8 it becomes
// U+FFFD, and two ids that differ only there would become one.
const WELL_FORMED = 'contains a lone surrogate (not valid Unicode)';
export const wellFormed = (s: string) => s.isWellFormed();

export const id = z.string().trim().min(1).max(LIMITS.idLength).refine(wellFormed, WELL_FORMED);
export const text = z.string().max(LIMITS.stringLength).refine(wellFormed, WELL_FORMED);
/** Text of at most `max` characters. */
export const shortText = (max: number) => z.string().max(max).refine(wellFormed, WELL_FORMED);
export const money = z.number().finite().min(0).max(1e12);
/** A category or other merchant-given name. */
export const label = z.string().trim().min(1).max(200);
