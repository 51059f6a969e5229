import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { normalizeMysqlArgs } from '../../../../../lib/mysql/args.js';
import { hashMysqlSteps } from '../../../../../lib/prepare/kinds/mysql/hash-task.js';
import { createWorkerPool } from '../../../../../runtime/pool/pool.js';
import { tempDir } from '../../../../helpers/tmp.js';

t.test('direct: statements, source includes, rejections with file and line', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'main.sql'), 'create table a(x int);\nsource inc.sql\n\\. inc2.sql\n');
  await writeFile(join(dir, 'inc.sql'), 'insert into a values (1);\n');
  await writeFile(join(dir, 'inc2.sql'), 'insert into a values (2);\n');
  const steps = normalizeMysqlArgs([join(dir, 'main.sql')], undefined).steps;
  const res = hashMysqlSteps({ steps, cwd: dir });
  t.ok(res.ok);
  if (!res.ok) return;
  t.same(res.steps[0]?.statements, [
    'create table a(x int)',
    'insert into a values (1)',
    'insert into a values (2)',
  ]);
  t.equal(res.steps[0]?.files.length, 3);
  t.same(
    res.steps[0]?.where,
    [`${join(dir, 'main.sql')}:1`, `${join(dir, 'inc.sql')}:1`, `${join(dir, 'inc2.sql')}:1`],
    'each statement knows the file and line it starts at',
  );
  await writeFile(join(dir, 'inc.sql'), 'insert into a values (9);\n');
  const edited = hashMysqlSteps({ steps, cwd: dir });
  t.not(
    edited.ok && edited.steps[0]?.task_hash,
    res.steps[0]?.task_hash,
    'editing an include changes the hash',
  );
  const bad = async (sql: string, message: RegExp) => {
    await writeFile(join(dir, 'bad.sql'), sql);
    const r = hashMysqlSteps({
      steps: normalizeMysqlArgs([join(dir, 'bad.sql')], undefined).steps,
      cwd: dir,
    });
    t.match(r, { ok: false, error: { code: 'invalid_argument', message } }, sql);
  };
  await bad('select 1;\nUSE mysql;\n', /bad\.sql:2: USE is not allowed/);
  await bad(
    'select * from sqlrs_0000abcd_s_1.t;',
    /bad\.sql:1: statements may not name sqlrs_ schemas/,
  );
  await bad('source missing.sql', /bad\.sql:1: .*missing\.sql: file not found/);
  await bad(
    'source /dev/zero',
    /bad\.sql:1: \/dev\/zero: not a regular file \(a character device\)/,
  );
  await writeFile(join(dir, 'loop.sql'), 'source loop.sql\n');
  const loop = hashMysqlSteps({
    steps: normalizeMysqlArgs([join(dir, 'loop.sql')], undefined).steps,
    cwd: dir,
  });
  t.match(loop, { ok: false, error: { message: /source cycle/ } });
  const missing = hashMysqlSteps({
    steps: normalizeMysqlArgs([join(dir, 'nope.sql')], undefined).steps,
    cwd: dir,
  });
  t.match(missing, { ok: false, error: { message: /nope\.sql: file not found/ } });
});

t.test('through the pool: same result', async (t) => {
  const pool = createWorkerPool(1);
  t.teardown(() => pool.close());
  const steps = normalizeMysqlArgs(['-e', 'select 1; select 2', '-'], 'select 3;').steps;
  const input = { steps, stdin: 'select 3;', cwd: '/' };
  t.same(await pool.run('hashMysqlSteps', input), hashMysqlSteps(input));
});
