#!/usr/bin/env node
// The `patron` command: runs collector/cli.ts through tsx (a runtime dependency).
import { register } from 'tsx/esm/api';

register();
// Piped into `head`, say: stop quietly when the reader has gone.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const { run, UsageError } = await import('../collector/cli.ts');
try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`patron: ${error.message}\n`);
  process.exitCode = 2;
}
