// What is wrong with an input, as every answer and the quarantine say it: each issue names its field.

import type { z } from 'zod';
import type { Issue } from '../../sdk/wire';

/** A zod error's issues as the API reports them: each names its field. */
export function issuesOf(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
