// Rebuilds dist/ when any source is newer than it: the segment worker and the SDK bundle are tested as built,
// and a stale build would test yesterday's code.

import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUTPUTS = ['dist/patron.js', 'dist/segment-worker.mjs', 'dist/journal-worker.mjs', 'dist/esm/index.js'];

function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

export default function setup() {
  const sources = Math.max(...['sdk', 'recommender', 'collector'].map((d) => newest(path.join(ROOT, d))));
  const built = Math.min(...OUTPUTS.map((f) => (fs.existsSync(path.join(ROOT, f)) ? fs.statSync(path.join(ROOT, f)).mtimeMs : 0)));
  if (built < sources) execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
}
