import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { tempDir } from '../helpers/tmp.js';

// The import rules of docs/architecture.md, checked on the sources by scripts/check-layers.mjs.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
type Check = (root: string) => string[];
const load = async (): Promise<Check> =>
  (await import(new URL('../../../scripts/check-layers.mjs', import.meta.url).href)).checkLayers;

t.test('the sources keep every layer looking down, with no import circle', async (t) => {
  const checkLayers = await load();
  t.same(checkLayers(ROOT), []);
});

async function tree(t: Test, files: Record<string, string>): Promise<string> {
  const root = await tempDir(t);
  for (const dir of ['lib', 'runtime', 'handlers', 'cli'])
    await mkdir(join(root, dir), { recursive: true });
  for (const [path, text] of Object.entries(files)) await writeFile(join(root, path), text);
  return root;
}

t.test('a lib module importing the runtime is named', async (t) => {
  const checkLayers = await load();
  const root = await tree(t, {
    'lib/a.ts': "import { b } from '../runtime/b.js';\n",
    'runtime/b.ts': 'export const b = 1;\n',
  });
  t.same(checkLayers(root), ['lib/a.ts imports runtime/b.ts: lib/ may not import runtime/']);
});

t.test('the CLI may import lib/ but not the runtime', async (t) => {
  const checkLayers = await load();
  const root = await tree(t, {
    'cli/a.ts': "import { b } from '../runtime/b.js';\nimport { c } from '../lib/c.js';\n",
    'runtime/b.ts': 'export const b = 1;\n',
    'lib/c.ts': 'export const c = 1;\n',
  });
  t.same(checkLayers(root), ['cli/a.ts imports runtime/b.ts: cli/ may not import runtime/']);
});

t.test('a circle is named, type-only imports included', async (t) => {
  const checkLayers = await load();
  const root = await tree(t, {
    'lib/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
    'lib/b.ts': "import type { A } from './a.js';\nexport type B = A;\n",
  });
  t.same(checkLayers(root), ['import circle: lib/a.ts -> lib/b.ts']);
});

t.test('a handler may use the edge types but not the dispatcher', async (t) => {
  const checkLayers = await load();
  const root = await tree(t, {
    'handlers/a.ts':
      "import type { D } from '../runtime/edge/types.js';\nimport { d } from '../runtime/edge/dispatch.js';\n",
  });
  await mkdir(join(root, 'runtime/edge'), { recursive: true });
  await writeFile(join(root, 'runtime/edge/types.ts'), 'export type D = 1;\n');
  await writeFile(join(root, 'runtime/edge/dispatch.ts'), 'export const d = 1;\n');
  t.same(checkLayers(root), [
    'handlers/a.ts imports runtime/edge/dispatch.ts: handlers/ may not import runtime/edge/',
  ]);
});
