// The experiment routes' inputs: the results' query (JSON, or one of its tables as CSV).

import { z } from 'zod';
import { tableFormat } from '../http/params';

export const resultsQuerySchema = z.object({
  format: tableFormat,
  /** Which table a CSV holds: the variants' figures, every effect, or the primary metric's effect by day. */
  table: z.enum(['variants', 'effects', 'days']).default('variants'),
  /** The relative uplift to plan the sample for, instead of the experiment's own. */
  minimumDetectableEffect: z.coerce.number().min(0.001).max(10).optional(),
});
