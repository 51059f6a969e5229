import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { HashCache } from '../../../../lib/prepare/accept/hash-cache.js';
import { normalizePsqlArgs } from '../../../../lib/psql/argv/args.js';
import { runTask, type TaskOutput, type TaskRunner } from '../../../../lib/tasks.js';
import { tempDir } from '../../../helpers/tmp.js';

/** Runs the real tasks in this thread and counts how often it was asked. */
function countingRunner() {
  const runner: TaskRunner & { calls: number } = {
    size: 1,
    calls: 0,
    run(task, input) {
      runner.calls++;
      return runTask(task, input);
    },
  };
  return runner;
}

/** A hashing's steps; none when it failed. */
const stepsOf = (hashed: TaskOutput<'hashPsqlSteps'>) => (hashed.ok ? hashed.steps : []);

const settle = () => new Promise((r) => setTimeout(r, 120));

t.test('a hit while the files keep their identity, a re-hash when one changes', async (t) => {
  const dir = await tempDir(t);
  const main = join(dir, 'main.sql');
  await writeFile(main, 'create table t(x int);\n\\ir inc.sql\n');
  await writeFile(join(dir, 'inc.sql'), 'insert into t values (1);\n');
  await settle();
  const input = { steps: normalizePsqlArgs(['-f', main], undefined).steps, cwd: dir };
  const cache = new HashCache();
  const pool = countingRunner();
  const first = await cache.run(pool, 'hashPsqlSteps', input);
  const second = await cache.run(pool, 'hashPsqlSteps', structuredClone(input));
  t.equal(pool.calls, 1, 'the second request did not reach the task');
  t.same(second, first);
  await writeFile(join(dir, 'inc.sql'), 'insert into t values (2);\n'); // an include changes
  const third = await cache.run(pool, 'hashPsqlSteps', input);
  t.equal(pool.calls, 2);
  t.not(stepsOf(third)[0]?.task_hash, stepsOf(first)[0]?.task_hash, 'the content hash decides');
  const fourth = await cache.run(pool, 'hashPsqlSteps', input);
  t.equal(pool.calls, 3, 'a file changed moments ago is not trusted yet');
  await settle();
  await cache.run(pool, 'hashPsqlSteps', input);
  await cache.run(pool, 'hashPsqlSteps', input);
  // The third hashing's read waited until the file had settled (lib/files/source-file.ts): the
  // fourth read it settled before it began, and was kept.
  t.equal(pool.calls, 3, 'once settled, cached again');
  t.same(stepsOf(fourth), stepsOf(third));
});

t.test('failures, huge inputs and old entries are not kept', async (t) => {
  const cache = new HashCache(2);
  const pool = countingRunner();
  const dir = await tempDir(t);
  const bad = {
    steps: normalizePsqlArgs(['-f', join(dir, 'none.sql')], undefined).steps,
    cwd: dir,
  };
  await cache.run(pool, 'hashPsqlSteps', bad);
  await cache.run(pool, 'hashPsqlSteps', bad);
  t.equal(pool.calls, 2, 'an error is asked again');
  const big = 'select 1;\n'.repeat(10_000);
  const huge = { steps: normalizePsqlArgs(['-f', '-'], big).steps, stdin: big, cwd: dir };
  await cache.run(pool, 'hashPsqlSteps', huge);
  await cache.run(pool, 'hashPsqlSteps', huge);
  t.equal(pool.calls, 4, 'a large stdin is hashed every time');
  const c = (sql: string) => ({ steps: normalizePsqlArgs(['-c', sql], undefined).steps, cwd: dir });
  for (const sql of ['select 1', 'select 2', 'select 3'])
    await cache.run(pool, 'hashPsqlSteps', c(sql));
  t.equal(cache.size, 2, 'bounded');
  await cache.run(pool, 'hashPsqlSteps', c('select 3'));
  t.equal(pool.calls, 7, 'a recent -c is a hit');
  await cache.run(pool, 'hashPsqlSteps', c('select 1'));
  t.equal(pool.calls, 8, 'the oldest was evicted');
});
