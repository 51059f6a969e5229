import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { CLI_BIN, stopEngineIn } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const DOC = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));

/** The transcript in docs/cli.md, as commands and the output each should print. */
export function parseTranscript(doc: string): Array<{ command: string; expected: string[] }> {
  const body = doc.split('<!-- transcript:start -->')[1]?.split('<!-- transcript:end -->')[0] ?? '';
  const lines = body.split('\n').filter((l) => !l.startsWith('```'));
  const steps: Array<{ command: string; expected: string[] }> = [];
  for (const line of lines) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else if (line.trim() !== '') steps.at(-1)?.expected.push(line);
  }
  return steps;
}

const PLACEHOLDERS: Record<string, string> = {
  '<id12>': '[0-9a-f]{12}',
  '<id32>': '[0-9a-f]{32}',
  '<id64>': '[0-9a-f]{64}',
  '<c>': '[0-9a-f]{8}',
  '<...>': '.*',
};

export function lineRegex(expected: string): RegExp {
  const escaped = expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const withHoles = Object.entries(PLACEHOLDERS).reduce(
    (re, [hole, pattern]) => re.split(hole.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(pattern),
    escaped,
  );
  return new RegExp(`^${withHoles.replace(/ {2,}/g, '\\s+')}\\s*$`);
}

t.test('the session in docs/cli.md is what the CLI prints', async (t) => {
  const work = await tempDir(t, 'sqlrs-transcript-');
  const stateHome = join(work, 'state');
  t.teardown(() => stopEngineIn(join(stateHome, 'sqlrs')));
  const shim = join(work, 'sqlrs');
  await writeFile(shim, `#!/bin/sh\nexec ${process.execPath} ${CLI_BIN} "$@"\n`, { mode: 0o755 });
  const steps = parseTranscript(await readFile(DOC, 'utf8'));
  t.ok(steps.length >= 10, `${steps.length} commands in the transcript`);
  for (const step of steps) {
    const full = await promisify(execFile)('bash', ['-c', step.command], {
      cwd: work,
      env: { ...process.env, PATH: `${work}:${process.env.PATH}`, XDG_STATE_HOME: stateHome },
    }).catch((err) => err as { stdout: string; stderr: string });
    // stdout, plus the CLI's own one-line errors from stderr (progress lines are left out).
    const errors = full.stderr.split('\n').filter((l) => l.startsWith('sqlrs:'));
    const shown = [...full.stdout.split('\n').filter((l) => l !== ''), ...errors];
    t.equal(shown.length, step.expected.length, `$ ${step.command}\n${shown.join('\n')}`);
    for (const [i, exp] of step.expected.entries()) {
      t.match(shown[i] ?? '', lineRegex(exp), `$ ${step.command} [${i}]`);
    }
  }
});
