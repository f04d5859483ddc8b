// The script-tag build has a size budget that fails the tests, and must not drag server-side code along.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '../../dist');

describe('dist/patron.js', () => {
  const code = fs.readFileSync(path.join(dist, 'patron.js'), 'utf8');

  it('stays within 5 KB gzip', () => {
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
  });

  it('carries no validator, no server code and no innerHTML of data', () => {
    expect(code).not.toMatch(/zod|better-sqlite3|express|ml-kmeans/);
    // the only innerHTML is the constant default template
    expect(code.match(/innerHTML=/g) ?? []).toHaveLength(1);
  });

  it('ships an ESM build with types', () => {
    expect(fs.existsSync(path.join(dist, 'esm/index.js'))).toBe(true);
    expect(fs.readFileSync(path.join(dist, 'esm/index.d.ts'), 'utf8')).toContain('createPatron');
  });
});
