import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { catalogDatabases } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * psql reads a unique prefix of a long option as that option (`--comm` is `--command`), so the
 * engine must too: each of these ran, read or wrote something the engine never checked.
 */
t.test('long-option prefixes and options off the allowlist answer 400', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const marker = join(dir, 'ran');
  const evil = join(dir, 'evil.sql');
  await writeFile(evil, `\\! touch ${marker}\n`);
  const cases: Array<[string[], RegExp]> = [
    [[`--comm=\\! id > ${marker}`, '-c', 'select 1'], /^-c \(step 1\):1: \\!: not allowed/],
    [
      ['--fil=evil.sql', '-c', 'select 1'],
      /^--fil=evil\.sql \(psql reads it as -f evil\.sql\): file paths must be absolute/,
    ],
    [[`--fil=${evil}`, '-c', 'select 1'], /evil\.sql:1: \\!: not allowed/],
    [
      [`--se=x=\\! touch ${marker}`, '-c', 'select :x'],
      /^--se=x=\\! touch \S+ \(psql reads it as -v x=\\! touch \S+\): a value with a backslash/,
    ],
    [
      [`--outp=${join(dir, 'out')}`, '-c', 'select 1'],
      /^--outp=\S+: psql reads it as -o \(--output\), not accepted: it writes files/,
    ],
    [
      [`--log=${join(dir, 'log')}`, '-c', 'select 1'],
      /^--log=\S+: psql reads it as -L \(--log-file\), not accepted/,
    ],
    [
      ['--dbn=postgres', '-c', 'select 1'],
      /^--dbn=postgres: connection flags are not accepted.*-d \(--dbname\)/,
    ],
    [
      ['--ho=127.0.0.1', '--po=5999', '-c', 'select 1'],
      /^--ho=127\.0\.0\.1: connection flags.*-h \(--host\)/,
    ],
    [['--po=5999', '-c', 'select 1'], /^--po=5999: connection flags.*-p \(--port\)/],
    [['--csv', '-c', 'select 1'], /^--csv: psql reads it as --csv, not accepted/],
    [['-s', '-c', 'select 1'], /^-s: psql reads it as -s \(--single-step\), not accepted/],
    [['--help', '-c', 'select 1'], /^--help: psql reads it as --help, not accepted/],
    [
      ['--v=x=1', '-c', 'select 1'],
      /^--v=x=1: psql reads --v as ambiguous \(--variable, --version\)/,
    ],
    [['--no-p', '-c', 'select 1'], /^--no-p: psql reads --no-p as ambiguous/],
    [['--frobnicate', '-c', 'select 1'], /^--frobnicate: psql does not know --frobnicate/],
  ];
  for (const [psql_args, message] of cases) {
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args }),
    });
    t.equal(res.status, 400, `${psql_args.join(' ')}: ${res.text}`);
    t.match(res.json(), { code: 'invalid_argument', message }, psql_args.join(' '));
  }
  t.same((await e.get('/v1/prepare-jobs')).json(), [], 'no job was created');
  t.same(await catalogDatabases(e.store.catalogId), [], 'no database was created');
  t.notOk(await exists(marker), 'no command ran on the host');
  t.notOk(await exists(join(dir, 'out')), 'no output file');
  t.notOk(await exists(join(dir, 'log')), 'no log file');
});

t.test('a -c longer than one command-line argument asks for -f - instead', async (t) => {
  const e = await testEngine(t);
  const sql = `select '${'x'.repeat(140 * 1024)}';`;
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', sql] }),
  });
  t.equal(res.status, 400, res.text);
  t.match(res.json(), {
    code: 'invalid_argument',
    message: /^-c: the SQL is 143370 bytes .*MAX_ARG_STRLEN.*send the SQL as stdin with -f -/,
  });
  t.same((await e.get('/v1/prepare-jobs')).json(), [], 'no job was created');
});
