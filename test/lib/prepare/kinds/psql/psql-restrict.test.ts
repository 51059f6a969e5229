import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../../../../helpers/engine.js';
import { query } from '../../../../helpers/postgres.js';
import { prepare } from '../../../../helpers/prepare.js';
import { tempDir } from '../../../../helpers/tmp.js';

// Restricted mode with host files on: includes are inlined by the engine (docs/prepare.md).
const RESTRICTED = { psql_restrict: true, host_files: true };

async function files(t: Parameters<typeof tempDir>[0], content: Record<string, string>) {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'sub'));
  for (const [name, text] of Object.entries(content)) await writeFile(join(dir, name), text);
  return dir;
}

t.test(
  'a meta-command the scan lets through is refused by psql, named by file and line',
  async (t) => {
    const e = await testEngine(t, { config: RESTRICTED });
    const dir = await files(t, {
      'main.sql': 'create table a(x int);\n\\i inc.sql\nselect 1;\n',
      'inc.sql': 'create table b(x int);\n\n\\echo hello\n',
    });
    const { job, events } = await prepare(e, { psql_args: ['-f', join(dir, 'main.sql')] });
    t.equal(job.status, 'failed');
    t.match(
      job.error?.details,
      `psql:${join(dir, 'inc.sql')}:3: error: backslash commands are restricted`,
    );
    t.notMatch(JSON.stringify(events), /hello\n|"hello"/, 'psql did not run \\echo');
  },
);

t.test(
  'includes are inlined: \\i, \\ir and \\include_relative build what psql would',
  async (t) => {
    const e = await testEngine(t, { config: RESTRICTED });
    const dir = await files(t, {
      'main.sql': 'create table a(x int);\n\\i sub/one.sql\ninsert into a values (3);\n',
      'sub/one.sql': 'insert into a values (1);\n\\ir two.sql\n\\include_relative two.sql',
      'sub/two.sql': 'insert into a values (2);\n',
    });
    const { job, result } = await prepare(e, { psql_args: ['-f', join(dir, 'main.sql')] });
    t.equal(job.status, 'succeeded', JSON.stringify(job.error));
    const rows = await query<{ x: number }>(result?.dsn as string, 'select x from a order by x');
    t.same(
      rows.map((r) => r.x),
      [1, 2, 2, 3],
    );
  },
);

t.test("pg_dump's own \\restrict pair is dropped; COPY data still loads", async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const dump = [
    '--\n-- PostgreSQL database dump\n--\n',
    '\\restrict Ab12cD\n',
    'create table t(a int, b text);\n',
    'copy t (a, b) from stdin;\n1\tone\n2\ttwo\n\\.\n',
    '\\unrestrict Ab12cD\n',
  ].join('');
  const { job, result } = await prepare(e, { psql_args: ['-f', '-'], stdin: dump });
  t.equal(job.status, 'succeeded', JSON.stringify(job.error));
  const rows = await query(result?.dsn as string, 'select count(*)::int as n from t');
  t.same(rows, [{ n: 2 }]);
});

t.test('restricted and unrestricted runs of a script make the same state', async (t) => {
  const dir = await files(t, { 'main.sql': 'create table a(x int);\n\\i inc.sql\n' });
  await writeFile(join(dir, 'inc.sql'), 'create table b(x int);\n');
  const body = { psql_args: ['-c', 'create table c(x int)', '-f', join(dir, 'main.sql')] };
  const restricted = await prepare(await testEngine(t, { config: RESTRICTED }), body);
  const plain = await prepare(await testEngine(t, { config: { psql_restrict: false } }), body);
  t.equal(restricted.job.status, 'succeeded', JSON.stringify(restricted.job.error));
  t.equal(restricted.result?.state_id, plain.result?.state_id);
});

t.test('-c steps: plain SQL stays one -c; a -c meta-command is refused by psql', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const ok = await prepare(e, {
    psql_args: ['-c', 'create table a(x int); insert into a values (1)'],
  });
  t.equal(ok.job.status, 'succeeded', JSON.stringify(ok.job.error));
  const echoed = await prepare(e, {
    psql_args: ['-a', '-c', 'select 1', '-f', '-'],
    stdin: 'select 2;\n',
  });
  t.equal(echoed.job.status, 'succeeded', JSON.stringify(echoed.job.error));
  t.notMatch(JSON.stringify(echoed.events), /restrict [0-9a-f]{32}/, 'events do not show the key');
  t.match(JSON.stringify(echoed.events), /restrict <key>/, 'psql echoed it');
  const bad = await prepare(e, { psql_args: ['-c', `\\set x 1`] });
  t.equal(bad.job.status, 'failed');
  t.match(bad.job.error?.details, /backslash commands are restricted/);
});

t.test('a psql too old for \\restrict is refused, naming the versions needed', async (t) => {
  const dir = await tempDir(t);
  const fake = join(dir, 'psql');
  await writeFile(fake, '#!/bin/sh\necho "psql (PostgreSQL) 15.13"\n');
  await chmod(fake, 0o755);
  const e = await testEngine(t, { config: { psql_restrict: true, psql_path: fake } });
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select 1'] }),
  });
  t.equal(res.status, 400, res.text);
  t.match(
    res.json().message,
    /psql 15\.13 has no \\restrict: install psql 13\.22\+, 14\.19\+, 15\.14\+, 16\.10\+, 17\.6\+ or any 18\+/,
  );
});
