// Replaces every row of a table without holding the event loop: the new rows go into a copy of the table in
// transactions of a few thousand, requests served between them, and the copy takes the table's place in one
// short transaction (with whatever must change with it). A refit's million rows written in one transaction held
// every request up for two seconds; a reader meanwhile sees the old rows, then the new, never a mix.

import type Database from 'better-sqlite3';

const ROWS_PER_TRANSACTION = 5000;

export async function replaceInSlices<T>(
  db: Database.Database,
  table: string,
  columns: readonly string[],
  rows: Iterable<T>,
  values: (row: T) => unknown[],
  alongside: () => void = () => {},
): Promise<void> {
  const next = `${table}_next`;
  const ddl = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string).replace(/^CREATE TABLE (IF NOT EXISTS )?("?)\w+\2/, `CREATE TABLE ${next}`);
  // A copy left by a save that was cut short (a crash) is thrown away.
  db.exec(`DROP TABLE IF EXISTS ${next}`);
  db.exec(ddl);
  const insert = db.prepare(`INSERT INTO ${next} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  const write = db.transaction((slice: T[]) => {
    for (const row of slice) insert.run(...values(row));
  });
  let slice: T[] = [];
  for (const row of rows) {
    slice.push(row);
    if (slice.length < ROWS_PER_TRANSACTION) continue;
    write(slice);
    slice = [];
    await new Promise((resolve) => setImmediate(resolve));
  }
  write(slice);
  db.transaction(() => {
    db.exec(`DROP TABLE ${table}`);
    db.exec(`ALTER TABLE ${next} RENAME TO ${table}`);
    alongside();
  })();
}
