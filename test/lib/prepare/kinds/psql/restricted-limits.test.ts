import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { JobStatus } from '../../../../../lib/schema-types.js';
import { type TestEngine, testEngine } from '../../../../helpers/engine.js';
import {
  followEvents,
  prepare,
  unfinishedRecords,
  watchPool,
} from '../../../../helpers/prepare.js';
import { tempDir } from '../../../../helpers/tmp.js';

/**
 * A restricted step's inlining is part of the step: it counts against step_timeout and stops
 * on cancel (docs/prepare.md, "Limits"). The script includes a 100 KB file 1,000 times: 100 MB
 * to read, scan and put in place, seconds of work for the inlining task even at the scan's
 * 150 MB/s, so the timeout and the cancel land while it runs.
 */
const RESTRICTED = { psql_restrict: true, host_files: true };

async function bigIncludeSet(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'b.sql'), 'select 1;\n'.repeat(10_000));
  await writeFile(join(dir, 'a.sql'), '\\i b.sql\n'.repeat(1000));
  return join(dir, 'a.sql');
}

/** Watches the engine's tasks: whether the inlining ended or was stopped, and whether psql ran. */
function watchTasks(e: TestEngine) {
  const seen = { inline: [] as Array<Promise<string>>, psqlRuns: 0 };
  let started: () => void = () => undefined;
  const inlineStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  watchPool(e, ({ task, ended }) => {
    if (task === 'runPsql') seen.psqlRuns++;
    if (task !== 'inlinePsqlStep') return;
    seen.inline.push(ended);
    started();
  });
  return { seen, inlineStarted };
}

t.test('an inlining that runs past step_timeout fails the step with timeout', async (t) => {
  const e = await testEngine(t, { config: { ...RESTRICTED, step_timeout: '1ms' } });
  const { seen } = watchTasks(e);
  const { job } = await prepare(e, { psql_args: ['-f', await bigIncludeSet(t)] });
  t.equal(job.status, 'failed');
  t.match(job.error, {
    code: 'timeout',
    message: /^step 1 \(execute-0\) ran longer than step_timeout \(1ms\) and was stopped$/,
  });
  t.equal(seen.inline.length, 1);
  t.match(await seen.inline[0], /^stopped: /, 'the inlining task was ended, not waited for');
  t.equal(seen.psqlRuns, 0, 'psql never started');
  t.same(unfinishedRecords(e), []);
});

t.test('a cancel during the inlining ends the job cancelled', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const { seen, inlineStarted } = watchTasks(e);
  const body = JSON.stringify({ prepare_kind: 'psql', psql_args: ['-f', await bigIncludeSet(t)] });
  const res = await e.call('POST', '/v1/prepare-jobs', { body });
  const jobId = res.json().job_id as string;
  await inlineStarted;
  t.equal((await e.call('POST', `/v1/prepare-jobs/${jobId}/cancel`)).status, 202);
  const events = await followEvents(e, jobId);
  t.match(events.at(-1), { type: 'error', error: { code: 'cancelled' } });
  const job = (await e.get(`/v1/prepare-jobs/${jobId}`)).json() as JobStatus;
  t.match(job, { status: 'failed', error: { code: 'cancelled' } });
  t.match(await seen.inline[0], /^stopped: /, 'the inlining task was ended, not waited for');
  t.equal(seen.psqlRuns, 0, 'psql never started');
  t.same(unfinishedRecords(e), []);
});
