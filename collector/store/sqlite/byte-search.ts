// Searches files byte by byte for any of some strings: how a deletion is verified below the engine, where a
// freed page, a write-ahead log frame or a journal record would still hold what a query no longer shows. Read a
// quarter of a megabyte at a time asynchronously, so a large database is searched while requests go on.

import fs from 'node:fs';
import path from 'node:path';

const CHUNK = 1 << 18;

/**
 * The forms a string takes on disk: as JSON writes it (quotes and all: "42" is not found in "420"), and for
 * `plain` values also as they are, as a column holds them.
 */
export function needlesOf(values: readonly string[], plain: readonly string[]): Buffer[] {
  const forms = new Set<string>([...values.map((v) => JSON.stringify(v)), ...plain]);
  return [...forms].filter((f) => f.length > 0).map((f) => Buffer.from(f, 'utf8'));
}

/** Whether the file holds any of `needles`; false for a file that is not there. */
export async function fileHolds(file: string, needles: readonly Buffer[]): Promise<boolean> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch {
    return false;
  }
  try {
    const overlap = Math.max(0, ...needles.map((n) => n.length - 1));
    const buffer = Buffer.alloc(CHUNK + overlap);
    let kept = 0;
    for (let position = 0; ;) {
      const { bytesRead } = await handle.read(buffer, kept, CHUNK, position);
      if (bytesRead === 0) return false;
      const view = buffer.subarray(0, kept + bytesRead);
      if (needles.some((n) => view.includes(n))) return true;
      position += bytesRead;
      // The tail is kept in front of the next chunk, so a string across the boundary is found.
      kept = Math.min(overlap, view.length);
      view.copy(buffer, 0, view.length - kept);
    }
  } finally {
    await handle.close();
  }
}

/** The files among `files` and in the folders `dirs` (not below them) that hold any of `values` (needlesOf's forms). */
export async function filesHolding(values: readonly string[], plain: readonly string[], files: readonly string[], dirs: readonly string[]): Promise<string[]> {
  const needles = needlesOf(values, plain);
  const all = [...files];
  for (const dir of dirs) if (fs.existsSync(dir)) for (const name of fs.readdirSync(dir).sort()) all.push(path.join(dir, name));
  const found: string[] = [];
  for (const file of all) if (fs.statSync(file, { throwIfNoEntry: false })?.isFile() && (await fileHolds(file, needles))) found.push(file);
  return found;
}
