// Holds the shape of the house (shared STYLE.md): no import circle within a part, and data flowing one way
// between parts. Reads the static imports of each part's .ts files; a part joins by one line in PARTS.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Each part, and the parts it must not import. */
const PARTS: { folder: string; importsNothingFrom: string[] }[] = [
  { folder: 'recommender', importsNothingFrom: ['collector', 'sdk'] },
  { folder: 'sdk', importsNothingFrom: ['collector', 'recommender'] },
  // The collector may use the wire types (sdk/wire.ts) and the algorithms, never the other way round.
  { folder: 'collector', importsNothingFrom: ['examples', 'bench', 'test'] },
];

// Comments are blanked first (strings are matched too, only so that a `//` inside one is left alone), so a
// commented-out import does not count and a comment inside an import's braces does not hide it.
const COMMENT_OR_STRING = /(['"])(?:\\.|(?!\1)[^\\\n])*\1|`(?:\\[\s\S]|[^\\`])*`|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;
// `import ... from '...'` and `export ... from '...'` (`type` ones too) starting a line, their clause over any
// number of lines but holding no statement's end and no string, so that a declaration like `export const`
// never runs on into a later statement; and `import '...'`. Dynamic import() is not followed.
const FROM = /^[ \t]*(?:import|export)\b([^;'"`]*?)\bfrom[ \t]*(['"])([^'"\n]+)\2/gm;
const BARE = /^[ \t]*import[ \t]*(['"])([^'"\n]+)\1/gm;

/** The module specifiers a source imports or re-exports statically, in the order they appear. */
function importsOf(source: string): string[] {
  const code = source.replace(COMMENT_OR_STRING, (m) => (m.startsWith('/') ? m.replace(/[^\n]/g, ' ') : m));
  const found: { at: number; specifier: string }[] = [];
  for (const m of code.matchAll(FROM)) found.push({ at: m.index, specifier: m[3] });
  for (const m of code.matchAll(BARE)) found.push({ at: m.index, specifier: m[2] });
  return found.sort((a, b) => a.at - b.at).map((f) => f.specifier);
}

/** Where a relative specifier in `file` leads, as a path from the repo root; a package's name leads nowhere here. */
function resolve(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(ROOT, path.dirname(file), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  const hit = candidates.find((c) => c.endsWith('.ts') && fs.existsSync(c)) ?? base;
  return path.relative(ROOT, hit).split(path.sep).join('/');
}

/** Every .ts file under `folder` (from the repo root), with the files it imports. */
function importGraph(folder: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    const entries = fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const targets = importsOf(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((s) => resolve(file, s));
        graph.set(file, [...new Set(targets.filter((t): t is string => t !== null))]);
      }
    }
  };
  walk(folder);
  return graph;
}

/** Import circles among the graph's own files, each as `a -> b -> a`: some wherever there is one, none only if none. */
function cyclesOf(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const trail: string[] = [];
  const visit = (file: string): void => {
    trail.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next) || done.has(next)) continue;
      const back = trail.indexOf(next);
      if (back >= 0) cycles.push([...trail.slice(back), next].join(' -> '));
      else visit(next);
    }
    trail.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

/** The graph's imports that lead into any of `folders`, each as `from -> to`. */
function importsInto(graph: Map<string, string[]>, folders: string[]): string[] {
  const inside = (file: string) => folders.some((f) => file.startsWith(`${f}/`));
  return [...graph].flatMap(([file, targets]) => targets.filter(inside).map((t) => `${file} -> ${t}`));
}

describe('the layout check itself', () => {
  it('reads static imports and re-exports, type-only and over several lines, and nothing else', () => {
    const source = [
      "import fs from 'node:fs';",
      "import type { A } from './a';",
      'import {',
      "  b, // the shop's own",
      '  type C,',
      "} from '../b';",
      "export * from './c';",
      "export { d as e, type F } from './d';",
      "import './side-effect';",
      "export const g = { from: 'nowhere' };",
      "const h = await import('./dynamic');",
      "// import i from './commented-out';",
      '/*',
      "export { j } from './in-a-block-comment';",
      '*/',
      "const opens = 'a/*';",
      "import l from './between-strings';",
      "const closes = '*/';",
    ].join('\n');
    expect(importsOf(source)).toEqual(['node:fs', './a', '../b', './c', './d', './side-effect', './between-strings']);
  });

  it('finds a circle, however long, and none where the arrows run one way', () => {
    const circle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'outside.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cyclesOf(circle)).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    expect(cyclesOf(new Map([['a.ts', ['a.ts']]]))).toEqual(['a.ts -> a.ts']);
    const diamond = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['d.ts']],
      ['c.ts', ['d.ts']],
      ['d.ts', []],
    ]);
    expect(cyclesOf(diamond)).toEqual([]);
  });
});

for (const { folder, importsNothingFrom } of PARTS) {
  describe(`${folder}/`, () => {
    const graph = importGraph(folder);

    it('is read: its files, and the imports of its entry', () => {
      expect(graph.size).toBeGreaterThan(1);
      expect(graph.get(`${folder}/index.ts`)?.length).toBeGreaterThan(1);
    });

    it('has no import circle', () => {
      expect(cyclesOf(graph)).toEqual([]);
    });

    it(`imports nothing from ${importsNothingFrom.map((f) => `${f}/`).join(' or ')}`, () => {
      expect(importsInto(graph, importsNothingFrom)).toEqual([]);
    });
  });
}
