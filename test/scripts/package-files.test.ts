import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

// What `npm pack` ships (package.json "files" and "exports"): the runtime, its types, the bins,
// the schemas and the licence; never the compiled tests, benches, build info or source maps.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

async function packedFiles(): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--dry-run', '--json', '--ignore-scripts'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((f) => f.path).sort();
}

const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
const files = await packedFiles();

t.test('the bins, the licence and every schema are in the package', async (t) => {
  for (const bin of Object.values(pkg.bin as Record<string, string>))
    t.ok(files.includes(bin), bin);
  t.ok(files.includes('LICENSE'));
  t.ok(files.includes('dist/cli/bin.js'), 'the CLI the bin imports');
  t.ok(files.includes('dist/runtime/pool/worker.js'), 'the worker the engine spawns');
  t.ok(files.includes('schemas/prepare-request.json'));
  t.ok(files.includes('schemas/engine-config.json'));
});

t.test('every export target, and its types, is in the package', async (t) => {
  const targets: string[] = [pkg.types];
  for (const [entry, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
    if (typeof target === 'string') targets.push(target);
    else {
      const { types, import: esm } = target as { types?: string; import?: string };
      t.ok(types?.endsWith('.d.ts'), `${entry} has types`);
      t.ok(esm?.endsWith('.js'), `${entry} has an import condition`);
      targets.push(types ?? '', esm ?? '');
    }
  }
  for (const target of targets) t.ok(files.includes(target.replace(/^\.\//, '')), target);
  for (const entry of ['client/index', 'client/testing']) {
    t.ok(files.includes(`dist/lib/${entry}.js`), entry);
    t.ok(files.includes(`dist/lib/${entry}.d.ts`), `${entry} types`);
  }
});

t.test('every module of the client ships, with the local-engine starter it spawns', async (t) => {
  const sources = (await readdir(new URL('../../../lib/client', import.meta.url), {
    recursive: true,
  })) as string[];
  const modules = sources.filter((f) => f.endsWith('.ts'));
  t.ok(modules.includes('local-engine/engine-start.ts'));
  for (const f of modules) {
    const js = `dist/lib/client/${f.replace(/\.ts$/, '.js')}`;
    t.ok(files.includes(js), js);
    t.ok(files.includes(js.replace(/\.js$/, '.d.ts')), `${js} types`);
  }
  // engine-start.ts runs bin/sqlrs-engine.js, which loads the process runtime.
  t.ok(files.includes('bin/sqlrs-engine.js'));
  t.ok(files.includes('dist/runtime/process/engine-main.js'));
});

t.test('no test, bench, build info or source map is shipped', async (t) => {
  t.same(
    files.filter((f) => /^dist\/(test|bench)\//.test(f)),
    [],
  );
  t.same(
    files.filter((f) => f.endsWith('.tsbuildinfo') || f.endsWith('.map')),
    [],
  );
  t.same(
    files.filter((f) => !/^(bin|dist|schemas)\//.test(f)),
    ['LICENSE', 'README.md', 'package.json'],
  );
});
