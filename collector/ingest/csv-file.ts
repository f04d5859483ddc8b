// A CSV file's lines for the command line's imports and backtests: plain or gzip-compressed (`.gz`), read line
// by line, with a progress bar when the command runs on a terminal.

import fs from 'node:fs';
import readline from 'node:readline';
import zlib from 'node:zlib';

export async function readCsvLines(file: string, err: NodeJS.WritableStream): Promise<string[]> {
  const size = fs.statSync(file).size;
  const tty = (err as { isTTY?: boolean }).isTTY === true;
  const raw = fs.createReadStream(file);
  let read = 0;
  let shown = -1;
  // The bytes read of the file itself, compressed or not, measure the progress.
  raw.on('data', (chunk) => (read += chunk.length));
  const progress = () => {
    const pct = size ? Math.floor((read / size) * 100) : 100;
    if (!tty || pct === shown) return;
    shown = pct;
    err.write(`\rreading ${file} [${'#'.repeat(Math.floor(pct / 5)).padEnd(20, '.')}] ${pct}%`);
  };
  const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  const lines: string[] = [];
  for await (const line of readline.createInterface({ input: input.setEncoding('utf8'), crlfDelay: Infinity })) {
    lines.push(line);
    if (lines.length % 10_000 === 0) progress();
  }
  read = size;
  progress();
  if (tty) err.write('\n');
  return lines;
}
