// Finds the rows of a table that match a condition no index serves (every row naming a person), a slice of rowids
// at a time with the event loop free between slices: one scan of a million events takes about a second, and
// done at once it would hold every request up for that long. A slice's size follows how long the last one took,
// so each stays near SLICE_MS whatever the rows' size or the machine's load.

import type Database from 'better-sqlite3';

const SLICE_MS = 2;
const FIRST_SLICE = 512;
const MOST_PER_SLICE = 1 << 18;

const pause = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The `columns` of every row of `table` (a rowid table) for which `condition` holds, `params` bound to it, in
 * rowid order; the rowid is the first column of each row.
 */
export async function rowsWhere(db: Database.Database, table: string, columns: readonly string[], condition: string, params: readonly unknown[]): Promise<unknown[][]> {
  const [low, high] = db.prepare(`SELECT min(rowid), max(rowid) FROM ${table}`).raw(true).get() as [number | null, number | null];
  if (low === null || high === null) return [];
  const slice = db.prepare(`SELECT ${['rowid', ...columns].join(', ')} FROM ${table} WHERE rowid >= ? AND rowid < ? AND (${condition})`).raw(true);
  const found: unknown[][] = [];
  let size = FIRST_SLICE;
  for (let from = low; from <= high;) {
    const started = performance.now();
    for (const row of slice.all(from, from + size, ...params) as unknown[][]) found.push(row);
    from += size;
    const took = performance.now() - started;
    if (took < SLICE_MS / 2) size = Math.min(MOST_PER_SLICE, size * 2);
    else if (took > SLICE_MS * 2) size = Math.max(64, Math.floor(size / 2));
    await pause();
  }
  return found;
}

/** Deletes rows of `table` by rowid, a few hundred to a transaction, requests served between. */
export async function deleteRowids(db: Database.Database, table: string, rowids: readonly number[]): Promise<number> {
  const remove = db.prepare(`DELETE FROM ${table} WHERE rowid = ?`);
  const some = db.transaction((ids: readonly number[]) => ids.reduce((n, id) => n + remove.run(id).changes, 0));
  let removed = 0;
  for (let i = 0; i < rowids.length; i += 500) {
    if (i > 0) await pause();
    removed += some(rowids.slice(i, i + 500));
  }
  return removed;
}
