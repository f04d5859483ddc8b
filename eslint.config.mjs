// Lint rules for the whole tree: ESLint's and typescript-eslint's recommended sets, the TypeScript ones
// type-aware (floating and misused promises need the types). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const unsafeAny = ['no-unsafe-argument', 'no-unsafe-assignment', 'no-unsafe-call', 'no-unsafe-member-access', 'no-unsafe-return'];

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'data/', 'test-results/', 'test/fixtures/']),
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    name: 'patron/typescript',
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A leading underscore says "unused on purpose": Express's four-argument error handler, fields dropped by destructuring.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Where an `any` leaks into production code the no-unsafe-* rules flag its use; the declaration itself is no bug.
      '@typescript-eslint/no-explicit-any': 'off',
      // The store's methods are async to honour a Promise interface over synchronous SQLite.
      '@typescript-eslint/require-await': 'off',
      // Left on, but its "receiver accepts the original type" reports can be load-bearing where a generic is inferred from the asserted
      // value (typescript-eslint#12376, as intended): its --fix breaks collector/ingest/routes.ts and slots/routes.ts. Typecheck after --fix.
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // `${state}` where the type has been narrowed to never is the message for a caller from plain JavaScript.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true, allowNever: true }],
    },
  },
  {
    name: 'patron/tests-and-benches',
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    // Tests and benchmarks read JSON answers as any and poke at them, and print request bodies with String(): that is what they are for.
    rules: Object.fromEntries([...unsafeAny, 'no-base-to-string'].map((rule) => [`@typescript-eslint/${rule}`, 'off'])),
  },
  {
    name: 'patron/sdk',
    files: ['sdk/**/*.ts'],
    rules: {
      // STYLE.md: no TypeScript enums in the SDK (they cost bytes and do not tree-shake); use a union of string literals.
      'no-restricted-syntax': ['error', { selector: 'TSEnumDeclaration', message: 'No enums in the SDK: use a union of string literals (STYLE.md).' }],
      // rollup.config.mjs mangles properties matching /^_/: private members must carry the underscore to be minified.
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: ['classProperty', 'classMethod', 'accessor', 'parameterProperty'], modifiers: ['private'], format: null, leadingUnderscore: 'require' },
      ],
    },
  },
  // TypeScript files get their globals from tsconfig.json (DOM and Node alike); the JavaScript ones need them named.
  { name: 'patron/node-scripts', files: ['**/*.{js,mjs}'], ignores: ['examples/storefront/public/**'], languageOptions: { globals: globals.node } },
  {
    name: 'patron/storefront-browser-scripts',
    files: ['examples/storefront/public/**/*.js'],
    // Plain scripts for the browser; window.patron is the stub the page's snippet defines, then the SDK.
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, patron: 'readonly' } },
  },
);
