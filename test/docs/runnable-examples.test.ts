import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import t from 'tap';
import { stopEngineIn } from '../helpers/cli.js';
import { packInto, ROOT, run, userEnv } from '../helpers/packed.js';
import { tempDir } from '../helpers/tmp.js';

// The examples the docs mark `<!-- runnable:NAME -->` ... `<!-- /runnable -->` (README.md's
// quick start, docs/client.md's projects), run as a reader pastes them: in an empty directory,
// against the local PostgreSQL, with the packed package where they say `npm install sqlrs`.
// Inside a region, a ```js block whose first line is `// PATH` is that file; the ```sh blocks
// are one script, and each `# prints TEXT` in them is the start of a line of output that must
// come, in that order.

interface Example {
  name: string;
  files: { path: string; text: string }[];
  script: string;
  expected: string[];
}

const FENCE = /^```(\w*)\n([\s\S]*?)^```$/gm;

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  for (const m of markdown.matchAll(/<!-- runnable:([\w-]+) -->\n([\s\S]*?)<!-- \/runnable -->/g)) {
    const example: Example = { name: m[1] as string, files: [], script: '', expected: [] };
    for (const [, lang, body] of (m[2] as string).matchAll(FENCE)) {
      const text = body as string;
      const file = /^\/\/ ([\w./-]+\.\w+)(:|\n)/.exec(text);
      if (lang === 'sh') example.script += text;
      else if (file) example.files.push({ path: file[1] as string, text });
    }
    for (const p of example.script.matchAll(/# prints (.+)$/gm))
      example.expected.push(p[1] as string);
    found.push(example);
  }
  return found;
}

/** The reader's `npm install ... sqlrs ...` as an install of the packed tarball. */
const withTarball = (script: string, tarball: string) =>
  script.replace(
    /^npm install (.*)$/gm,
    (_, args: string) =>
      `npm install --prefer-offline --no-audit --no-fund ${args.replace(/(^| )sqlrs( |$)/, `$1${tarball}$2`)}`,
  );

const work = await tempDir(t, 'sqlrs-docs-');
const tarball = await packInto(work);
const stateDir = join(work, 'state');
await mkdir(stateDir);
t.teardown(() => stopEngineIn(stateDir));

for (const doc of ['README.md', 'docs/client.md']) {
  const found = examples(await readFile(join(ROOT, doc), 'utf8'));
  for (const example of found) {
    t.test(`${doc}: ${example.name}`, async (t) => {
      t.ok(example.script.includes('npm install'), 'the example installs sqlrs');
      const project = join(work, `${doc.replace(/\W/g, '-')}-${example.name}`);
      await mkdir(project);
      for (const f of example.files) {
        await mkdir(dirname(join(project, f.path)), { recursive: true });
        await writeFile(join(project, f.path), f.text);
      }
      const script = join(work, `${example.name}.sh`);
      await writeFile(script, withTarball(example.script, tarball));
      const r = await run('bash', ['-e', script], project, userEnv(stateDir));
      t.equal(r.code, 0, 'the example runs', { output: r.out });
      // Each expected text starts a line of the output, after the one before it.
      const out = `\n${r.out}`;
      let from = 0;
      for (const text of example.expected) {
        const at = out.indexOf(`\n${text}`, from);
        t.ok(at >= 0, `prints ${text}`, { output: r.out });
        if (at >= 0) from = at + text.length + 1;
      }
    });
  }
  t.ok(found.length > 0, `${doc} has runnable examples`);
}
