import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { contextOf, prepare, watchPool } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * Hashing stops when its client leaves, and at hash_timeout (docs/prepare.md, "Limits").
 * The script includes a 100 KB file 200,000 times: 20 GB to read and scan, which no test
 * lets finish.
 */
async function runawayScript(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'b.sql'), 'select 1;\n'.repeat(10_000));
  await writeFile(join(dir, 'a.sql'), '\\i b.sql\n'.repeat(200_000));
  return join(dir, 'a.sql');
}

/** Watches the engine's hashing tasks: the signal each got, and how each ended. */
function watchHashing(e: TestEngine) {
  const runs: Array<{ signal?: AbortSignal; ended: Promise<string> }> = [];
  let started: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    started = resolve;
  });
  watchPool(e, ({ task, signal, ended }) => {
    if (!task.startsWith('hash')) return;
    runs.push({ signal, ended });
    started();
  });
  return { runs, first };
}

t.test('a client that leaves while its steps are hashed stops the hashing', async (t) => {
  const e = await testEngine(t);
  const script = await runawayScript(t);
  const { runs, first } = watchHashing(e);
  const body = JSON.stringify({ prepare_kind: 'psql', psql_args: ['-f', script] });
  const [host, port] = e.endpoint.split(':');
  const socket = connect(Number(port), host as string);
  socket.write(
    `POST /v1/prepare-jobs HTTP/1.1\r\nhost: ${e.endpoint}\r\nauthorization: Bearer ${e.authToken}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  await first;
  socket.destroy();
  const run = runs[0];
  if (!run?.signal) {
    t.fail('the hashing task got no signal to stop it'); // the engine's stop ends its thread
    return;
  }
  t.equal(await run.ended, 'stopped: AbortError', 'the hashing task was ended');
  t.ok(run.signal.aborted);
  t.equal(e.deps.jobs.list().length, 0, 'nothing queued');
  const after = await prepare(e, { psql_args: ['-c', 'select 1'] });
  t.equal(after.job.status, 'succeeded', 'the engine goes on hashing');
});

t.test('hashing past hash_timeout answers 504 timeout and stops', async (t) => {
  const e = await testEngine(t, { config: { hash_timeout: '1s' } });
  const script = await runawayScript(t);
  const { runs } = watchHashing(e);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-f', script] }),
  });
  t.equal(res.status, 504);
  t.match(res.json(), {
    code: 'timeout',
    message: "hashing the request's steps ran longer than hash_timeout (1s) and was stopped",
    details: /split a big script/,
  });
  t.equal(await runs[0]?.ended, 'stopped: AbortError');
  // A new thread starts for the one ended: its start alone may take a second on a busy machine.
  contextOf(e).hashTimeoutMs = 0;
  const after = await prepare(e, { psql_args: ['-c', 'select 1'] });
  t.equal(after.job.status, 'succeeded', 'the engine goes on hashing');
});
