import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { hashPsqlSteps } from '../../../../../lib/prepare/kinds/psql/hash-task.js';
import { normalizePsqlArgs } from '../../../../../lib/psql/argv/args.js';
import { createWorkerPool } from '../../../../../runtime/pool/pool.js';
import { tempDir } from '../../../../helpers/tmp.js';

t.test('direct call: one hash per step, stable, errors as results', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 's.sql'), 'create table t(x int);\n\\ir inc.sql\n');
  await writeFile(join(dir, 'inc.sql'), 'insert into t values (1);\n');
  const n = normalizePsqlArgs(['-f', join(dir, 's.sql'), '-c', 'select 1', '-f', '-'], 'select 2');
  const input = { steps: n.steps, stdin: 'select 2', cwd: dir };
  const a = hashPsqlSteps(input);
  const b = hashPsqlSteps(structuredClone(input));
  t.ok(a.ok);
  if (!a.ok || !b.ok) return;
  t.same(a.steps, b.steps, 'same input, same hashes');
  t.equal(a.steps.length, 3);
  t.same(a.steps[0]?.files, [join(dir, 's.sql'), join(dir, 'inc.sql')]);
  t.equal(new Set(a.steps.map((s) => s.task_hash)).size, 3);
  const broken = hashPsqlSteps({
    ...input,
    steps: normalizePsqlArgs(['-f', join(dir, 'none.sql')], undefined).steps,
  });
  t.same(broken.ok, false);
  if (!broken.ok)
    t.match(broken.error, { code: 'invalid_argument', message: /none\.sql: file not found/ });
  const meta = hashPsqlSteps({
    steps: normalizePsqlArgs(['-c', '\\! id'], undefined).steps,
    cwd: dir,
  });
  if (!meta.ok) t.match(meta.error, { code: 'invalid_argument', message: /\\!/ });
  else t.fail('\\! must be refused');
});

t.test("a step's -v values reach the check of its variables", async (t) => {
  const dir = await tempDir(t);
  const sql = '\\set tbl :schema.users\nselect * from :tbl;\n';
  const hash = (args: string[]) =>
    hashPsqlSteps({ steps: normalizePsqlArgs(args, undefined).steps, cwd: dir });
  t.ok(hash(['-v', 'schema=app', '-c', sql]).ok);
  t.match(hash(['-c', sql]), { ok: false, error: { code: 'invalid_argument' } });
  t.match(hash(['-v', 'schema=app', '-v', 'schema', '-c', sql]), { ok: false }, '-v x unsets');
});

t.test('through the pool: same answer, codes survive the thread boundary', async (t) => {
  const pool = createWorkerPool(1);
  t.teardown(() => pool.close());
  const dir = await tempDir(t);
  const steps = normalizePsqlArgs(['-c', 'select 1'], undefined).steps;
  const viaPool = await pool.run('hashPsqlSteps', { steps, cwd: dir });
  t.same(viaPool, hashPsqlSteps({ steps, cwd: dir }));
  const bad = await pool.run('hashPsqlSteps', {
    steps: normalizePsqlArgs(['-c', '\\c x'], undefined).steps,
    cwd: dir,
  });
  t.match(bad, { ok: false, error: { code: 'invalid_argument' } });
});
