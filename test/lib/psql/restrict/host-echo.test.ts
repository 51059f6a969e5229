import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../../../helpers/engine.js';
import { prepare } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

// A step whose script is a host file shows no more of it than the failing line, cut short
// (docs/prepare.md, host files), even with host files on (the local engine's default).

/** Whether `text` holds 60 characters in a row of any of the pieces. */
function quotes(text: string, pieces: string[]): boolean {
  return pieces.some((p) => {
    for (let k = 0; k + 60 <= p.length; k += 20) if (text.includes(p.slice(k, k + 60))) return true;
    return false;
  });
}

t.test('psql: an echoed statement of a host file stays out of the error and events', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const secret = Array.from({ length: 8 }, (_, k) => `  'secret line ${k} ${'s'.repeat(40)}',`);
  const file = join(dir, 'host.sql');
  await writeFile(file, `select\n${secret.join('\n')}\n  oops oops;\n`);
  const { job, events } = await prepare(e, { psql_args: ['-a', '-b', '-f', file] });
  t.equal(job.status, 'failed');
  const shown = JSON.stringify({ error: job.error, events });
  t.match(job.error?.details, /psql:.*host\.sql:10: ERROR: {2}column "oops" does not exist/);
  t.match(job.error?.details, /LINE \d+: +oops oops;/, 'the failing line is shown');
  t.notMatch(shown, /secret line/, 'no other line of the file');
});

t.test('psql: a -c step keeps its echoed statement (the caller sent it)', async (t) => {
  const e = await testEngine(t);
  const { job } = await prepare(e, { psql_args: ['-b', '-c', "select\n'sent line',\n oops oops"] });
  t.match(job.error?.details, /sent line/);
});

t.test('mysql: source of a host file quotes at most a few characters of it', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const file = join(dir, 'host.sql');
  const body = Array.from({ length: 12 }, (_, k) => `secret_${k}_${'x'.repeat(50)}`).join(' ');
  await writeFile(file, `select 1 from ${body};\n`);
  const { job } = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-'],
    stdin: `create table a(x int);\nsource ${file}\n`,
  });
  t.equal(job.status, 'failed');
  t.match(job.error?.message, /near 'secret_2_x{31}\.\.\.' at line 1/, 'cut to 40 characters');
  t.notMatch(JSON.stringify(job.error), /secret_[013-9]/, 'nothing else of the file');
  t.match(job.error?.details, /statement: \(from a file on the engine host: not shown\)/);
});

t.test('mysql: source /proc/<pid>/environ shows no variable of the engine', async (t) => {
  const e = await testEngine(t);
  const pid = (await e.get('/v1/health')).json().pid as number;
  const environ = (await readFile(`/proc/${pid}/environ`, 'latin1')).split('\0');
  const { job } = await prepare(e, {
    prepare_kind: 'mysql',
    mysql_args: ['-e', `source /proc/${pid}/environ`],
  });
  t.equal(job.status, 'failed');
  t.notOk(quotes(JSON.stringify(job.error), environ), JSON.stringify(job.error));
});

t.test('mysql: an -e statement keeps its text in the error (the caller sent it)', async (t) => {
  const e = await testEngine(t);
  const sent = `select 1 from ${'y'.repeat(100)} oops oops`;
  const { job } = await prepare(e, { prepare_kind: 'mysql', mysql_args: ['-e', sent] });
  t.match(job.error?.details, `statement: ${sent}`);
});
