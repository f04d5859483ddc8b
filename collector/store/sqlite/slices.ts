// Many rows written a few thousand to a transaction, requests served between: one commit of a refit's hundred
// thousand rows held every request up for seconds.

import type Database from 'better-sqlite3';

export async function writeInSlices<T>(db: Database.Database, rows: readonly T[], insert: (row: T) => void, perTransaction = 5000): Promise<void> {
  const write = db.transaction((slice: readonly T[]) => slice.forEach(insert));
  for (let i = 0; i < rows.length; i += perTransaction) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    write(rows.slice(i, i + perTransaction));
  }
}
