// The import rules docs/architecture.md states, checked on the sources: layers only look down
// and no module imports itself back through others. Used by `npm run lint` and a test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOTS = ['lib', 'runtime', 'handlers', 'cli'];

/**
 * The layers, by path prefix (the longest that matches names a file's layer), and what each may
 * import besides itself. The entries (the engine process, the cloud adapters) compose, the
 * composition root builds the edge and the pool, the edge routes to handlers, and everything
 * stands on lib/. Handlers see only the edge's types, query parsing and listings.
 */
const MAY_IMPORT = {
  lib: [],
  handlers: ['lib', 'runtime/edge/types.ts', 'runtime/edge/query.ts', 'runtime/edge/listing'],
  'runtime/edge': ['lib', 'handlers'],
  'runtime/pool': ['lib'],
  'runtime/compose': ['lib', 'runtime/edge', 'runtime/pool'],
  'runtime/process': ['lib', 'runtime/compose', 'runtime/edge'],
  'runtime/cloud': ['lib', 'runtime/compose', 'runtime/edge'],
  runtime: ['lib'],
  cli: ['lib'],
};
const LAYERS = Object.keys(MAY_IMPORT).sort((a, b) => b.length - a.length);

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file, type-only ones included (they tie modules as much). */
function importsOf(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/\b(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1],
  );
  return specs.map((s) => relative(root, resolve(root, dirname(file), s)).replace(/\.js$/, '.ts'));
}

const within = (file, prefix) => file === prefix || file.startsWith(`${prefix}/`);
const layerOf = (file) => LAYERS.find((layer) => within(file, layer));

export function checkLayers(root) {
  const problems = [];
  const graph = new Map();
  for (const top of ROOTS) {
    for (const abs of sourceFiles(join(root, top))) {
      const file = relative(root, abs);
      graph.set(file, importsOf(root, file));
    }
  }
  for (const [file, deps] of graph) {
    const layer = layerOf(file);
    for (const dep of deps) {
      const target = layerOf(dep);
      if (target === undefined || target === layer) continue;
      if (!MAY_IMPORT[layer].some((allowed) => within(dep, allowed))) {
        problems.push(`${file} imports ${dep}: ${layer}/ may not import ${target}/`);
      }
    }
  }
  for (const cycle of cycles(graph)) problems.push(`import circle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Every strongly connected group of more than one module (Tarjan), shown as one loop each. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const found = [];
  const visit = (v) => {
    info.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!info.has(w)) {
        visit(w);
        info.get(v).low = Math.min(info.get(v).low, info.get(w).low);
      } else if (info.get(w).onStack) {
        info.get(v).low = Math.min(info.get(v).low, info.get(w).index);
      }
    }
    if (info.get(v).low === info.get(v).index) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        info.get(w).onStack = false;
        group.push(w);
      } while (w !== v);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!info.has(v)) visit(v);
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkLayers(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  for (const p of problems) console.error(p);
  if (problems.length > 0) process.exit(1);
  console.log('layers: every import looks down, no circles');
}
