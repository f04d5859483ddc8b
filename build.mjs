// Builds the bundles rollup.config.mjs describes, each one only when a file it was built from has changed:
// rollup's list of a bundle's modules is kept, with each file's content hash, in dist/.build-manifest.json.
// A change to the config, tsconfig.json, the lockfile or this file rebuilds every bundle; so does a missing
// output or manifest (a clean clone builds everything). `--watch` rebuilds on every change (rollup's watch
// mode) and keeps the manifest current, so a later `npm test` finds the bundles up to date.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = import.meta.dirname;
const MANIFEST = path.join(ROOT, 'dist/.build-manifest.json');
/** What every bundle is built with besides its own modules. */
const SHARED = ['rollup.config.mjs', 'tsconfig.json', 'package-lock.json', 'build.mjs'];

const relative = (file) => path.relative(ROOT, file).split(path.sep).join('/');
const hashOf = (file) => {
  try {
    return createHash('sha1')
      .update(fs.readFileSync(path.join(ROOT, file)))
      .digest('hex');
  } catch {
    return null; // gone
  }
};
const hashes = (files) => Object.fromEntries([...files].sort().map((f) => [f, hashOf(f)]));
const unchanged = (recorded) => Object.entries(recorded).every(([file, hash]) => hashOf(file) === hash);

/** A bundle is known by where it writes. */
const keyOf = (options) => options.output.map((o) => relative(path.resolve(ROOT, o.file ?? o.dir))).join(' ');

function readManifest() {
  try {
    return JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  } catch {
    return { shared: {}, keys: [], bundles: {} };
  }
}

function saveManifest(manifest) {
  fs.mkdirSync(path.dirname(MANIFEST), { recursive: true });
  fs.writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 1)}\n`);
}

/** Up to date: built from the very files now on disk, and every file it wrote still there. */
const fresh = (entry) => !!entry && unchanged(entry.inputs) && entry.outputs.every((f) => fs.existsSync(path.join(ROOT, f)));

/**
 * Rollup's own record of a bundle, taken as it writes: the modules it was built from (real files only, not
 * a plugin's virtual ones) and the files it wrote.
 */
function recorder(manifest, key) {
  let outputs = [];
  return {
    name: 'patron-build-manifest',
    buildStart() {
      outputs = [];
    },
    writeBundle(options, bundle) {
      const dir = path.resolve(ROOT, options.dir ?? path.dirname(options.file));
      outputs.push(...Object.keys(bundle).map((name) => relative(path.join(dir, name))));
      const modules = [...this.getModuleIds()].filter((id) => !id.startsWith('\0') && fs.existsSync(id)).map(relative);
      manifest.bundles[key] = { inputs: hashes(modules), outputs: [...new Set(outputs)] };
      saveManifest(manifest);
    },
  };
}

async function loadConfig(manifest) {
  const { loadConfigFile } = await import('rollup/loadConfigFile');
  const { options, warnings } = await loadConfigFile(path.join(ROOT, 'rollup.config.mjs'), {});
  const keys = options.map(keyOf);
  if (!unchanged(manifest.shared) || Object.keys(manifest.shared).length === 0) manifest.bundles = {};
  manifest.shared = hashes(SHARED);
  manifest.keys = keys;
  for (const key of Object.keys(manifest.bundles)) if (!keys.includes(key)) delete manifest.bundles[key];
  options.forEach((o, i) => o.plugins.push(recorder(manifest, keys[i])));
  return { options, keys, warnings };
}

function explain(error) {
  const where = error.loc ? `${relative(error.loc.file ?? error.id ?? '')}:${error.loc.line}:${error.loc.column}` : error.id ? relative(error.id) : '';
  return [`${where ? `${where}: ` : ''}${error.message}`, error.frame].filter(Boolean).join('\n');
}

async function build() {
  const manifest = readManifest();
  const sharedFresh = Object.keys(manifest.shared).length > 0 && unchanged(manifest.shared);
  if (sharedFresh && manifest.keys.length > 0 && manifest.keys.every((key) => fresh(manifest.bundles[key]))) {
    console.log(`bundles up to date: ${manifest.keys.join(', ')}`);
    return;
  }
  const { rollup } = await import('rollup');
  const { options, keys, warnings } = await loadConfig(manifest);
  for (const [i, o] of options.entries()) {
    if (fresh(manifest.bundles[keys[i]])) continue;
    const started = performance.now();
    const bundle = await rollup(o);
    try {
      for (const output of o.output) await bundle.write(output);
    } finally {
      await bundle.close();
    }
    console.log(`${keys[i]}: built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  warnings.flush();
}

async function watch() {
  const { watch } = await import('rollup');
  const { options, warnings } = await loadConfig(readManifest());
  console.log('watching; rollup.config.mjs, tsconfig.json or the lockfile changed: start again');
  const watcher = watch(options);
  watcher.on('event', (event) => {
    if (event.code === 'BUNDLE_END') {
      console.log(`${event.output.map(relative).join(' ')}: built in ${(event.duration / 1000).toFixed(1)} s`);
      void event.result.close();
    } else if (event.code === 'ERROR') {
      console.error(explain(event.error));
      void event.result?.close();
    } else if (event.code === 'END') {
      warnings.flush();
    }
  });
}

try {
  await (process.argv.includes('--watch') ? watch() : build());
} catch (error) {
  console.error(explain(error));
  process.exitCode = 1;
}
