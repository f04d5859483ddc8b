// Builds the SDK twice from one source (an IIFE for the script tag, an ESM build with types for bundlers),
// the collector's three workers (segments, the ingest journal, the webhook dispatcher), which Node 20 can only run as JavaScript, and
// the dashboard's script (Chart.js bundled in: the collector serves everything it needs itself).
import resolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const ts = (compilerOptions = {}, include = ['sdk/**/*.ts', 'recommender/**/*.ts', 'collector/**/*.ts']) =>
  typescript({ tsconfig: './tsconfig.json', include, compilerOptions: { noEmit: false, incremental: false, ...compilerOptions } });

// The script tag's size budget (test/sdk/bundle.test.ts). Members named `_x` are internal and renamed.
// ecma 2020: the bundle already needs what it brings (?., ??). unsafe: String(x) becomes ""+x and `new`
// goes from Error, safe here as no symbol is ever turned into a string. unsafe_arrows: no function
// expression in the SDK uses `this` or is called with `new`. pure_getters: the SDK's getters (the DOM's
// included) have no side effects it relies on; keep_fargs false: no code reads a function's length.
const sdkTerser = {
  ecma: 2020,
  compress: { passes: 5, unsafe: true, unsafe_arrows: true, pure_getters: true, keep_fargs: false, hoist_funs: true },
  mangle: { properties: { regex: /^_/ } },
  format: { comments: false },
};

export default [
  {
    input: 'sdk/standalone.ts',
    // 'hidden': the map without its comment; the collector names it in a SourceMap header (http/static.ts).
    output: { file: 'dist/patron.js', format: 'iife', sourcemap: 'hidden' },
    plugins: [resolve({ browser: true }), ts(), terser(sdkTerser)],
  },
  {
    input: 'sdk/index.ts',
    output: { dir: 'dist/esm', format: 'es', sourcemap: true },
    external: ['idb-keyval'],
    plugins: [ts({}, ['sdk/**/*.ts'])],
  },
  {
    input: 'collector/customers/refit-worker.ts',
    output: { file: 'dist/segment-worker.mjs', format: 'es' },
    external: [/^node:/, 'ml-kmeans'],
    plugins: [ts()],
  },
  {
    input: 'collector/store/sqlite/journal-worker.ts',
    output: { file: 'dist/journal-worker.mjs', format: 'es' },
    external: [/^node:/, 'better-sqlite3'],
    plugins: [ts()],
  },
  {
    input: 'collector/webhooks/dispatcher-worker.ts',
    output: { file: 'dist/webhook-worker.mjs', format: 'es' },
    external: [/^node:/, 'better-sqlite3'],
    // It opens the outbox alone: the rest of the store it reaches through open.ts is left out.
    treeshake: { moduleSideEffects: false },
    plugins: [ts()],
  },
  {
    input: 'collector/dashboard/main.ts',
    output: { file: 'dist/dashboard.js', format: 'iife', sourcemap: true },
    plugins: [resolve({ browser: true }), ts({}, ['collector/dashboard/**/*.ts']), terser({ format: { comments: false } })],
  },
];
