// Brings dist/ up to date before any test runs: the workers and the SDK bundles are tested as built, and a
// stale build would test yesterday's code. `npm test` has just built (pretest); `npx vitest` has not. The
// build redoes only what changed, so when nothing did it costs a moment.

import { execSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export default function setup() {
  if (process.env.npm_lifecycle_event === 'test') return;
  execSync('npm run --silent build', { cwd: ROOT, stdio: 'inherit' });
}
