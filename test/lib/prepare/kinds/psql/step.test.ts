import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { JobStatus } from '../../../../../lib/schema-types.js';
import { testEngine } from '../../../../helpers/engine.js';
import { catalogDatabases, query } from '../../../../helpers/postgres.js';
import {
  followEvents,
  prepare,
  taskRunning,
  unfinishedRecords,
} from '../../../../helpers/prepare.js';
import { tempDir } from '../../../../helpers/tmp.js';

t.test('a step whose connection is lost fails the job as unavailable', async (t) => {
  const e = await testEngine(t);
  // As a server that shuts down or crashes mid-step: psql exits with 2.
  const { job } = await prepare(e, {
    psql_args: ['-c', 'select pg_terminate_backend(pg_backend_pid())'],
  });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'unavailable',
    message: /^psql lost its connection to the server in step 1 \(execute-0\)$/,
    details: /exit code: 2[\s\S]*terminating connection due to administrator command/,
  });
  t.same(await catalogDatabases(e.store.catalogId), [], 'no build database left');
  t.same(unfinishedRecords(e), []);
});

t.test('a file changed after it was hashed: its step is not kept', async (t) => {
  const e = await testEngine(t);
  const file = join(await tempDir(t), 'schema.sql');
  await writeFile(file, 'create table hashed_a(x int);\n');
  const body = {
    prepare_kind: 'psql',
    psql_args: ['-c', 'select pg_sleep(1)', '-f', file],
  };
  const res = await e.call('POST', '/v1/prepare-jobs', { body: JSON.stringify(body) });
  const jobId = res.json().job_id as string;
  await taskRunning(e, jobId, 'execute-0');
  // Edited while the first step runs: psql reads it after the job hashed it.
  await writeFile(file, 'create table edited_b(x int);\n');
  await followEvents(e, jobId);
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'conflict',
    message: `${file} changed while the job ran, after it was hashed: step 2 (execute-1) was not kept; prepare again`,
  });
  t.equal(e.store.catalogDatabases().filter((d) => d.kind === 'state').length, 1, 'step 1 only');
  t.same(unfinishedRecords(e), []);
  // The state of the old text must not hold edited_b, or a prepare of the old text gets it.
  await writeFile(file, 'create table hashed_a(x int);\n');
  const again = await prepare(e, body);
  t.equal(again.job.status, 'succeeded');
  const tables = await query<{ tablename: string }>(
    again.result?.dsn as string,
    "select tablename from pg_tables where schemaname = 'public'",
  );
  t.same(tables, [{ tablename: 'hashed_a' }]);
});
