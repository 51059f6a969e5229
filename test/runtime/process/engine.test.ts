import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { seedCatalog } from '../../helpers/seed.js';
import { tempDir } from '../../helpers/tmp.js';
import { unsavable } from '../../helpers/unsavable.js';

t.test('catalog rows survive an engine restart', async (t) => {
  const stateDir = await tempDir(t);
  // The seeded rows name databases that do not exist: with their server unreachable,
  // start-up reconciliation keeps them (a reachable server would have them forgotten).
  const config = {
    images: {
      'postgres:15': 'postgres://x@127.0.0.1:1/postgres',
      'mariadb:10.11': 'mysql://x@127.0.0.1:1/',
    },
  };
  const first = await testEngine(t, { stateDir, config });
  const { root, named } = await seedCatalog(first.store);
  await first.stop();
  const second = await testEngine(t, { stateDir });
  t.same(second.deps.deletion.lastReconcile().unreachable.sort(), ['mariadb:10.11', 'postgres:15']);
  t.not(second.authToken, first.authToken, 'a new token on every start');
  t.not(second.instanceId, first.instanceId);
  t.equal(second.store.catalogId, first.store.catalogId);
  t.equal((await second.get(`/v1/states/${root.state_id}`)).status, 200);
  t.match((await second.get(`/v1/instances/${named.instance_id}`)).json(), { name: 'dev' });
  t.equal((await second.get('/v1/states')).json().length, 3);
});

t.test('stop is idempotent; a stopped engine answers nothing', async (t) => {
  const e = await testEngine(t);
  t.equal((await e.get('/v1/health')).status, 200);
  await Promise.all([e.stop('test'), e.stop('again')]);
  await e.closed;
  await t.rejects(e.get('/v1/health'), /ECONNREFUSED/);
});

t.test(
  'a job in flight keeps the engine from idling out; its end re-arms the timeout',
  async (t) => {
    const e = await testEngine(t, { idleTimeoutMs: 400 });
    // The job's step outlasts the idle timeout several times over.
    const res = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select pg_sleep(1.2)'] }),
    });
    const job = e.deps.jobs.get(res.json().job_id);
    let statusAtClose: string | undefined;
    let closedAt = 0;
    void e.closed.then(() => {
      statusAtClose = job?.status;
      closedAt = Date.now();
    });
    await e.closed;
    t.equal(statusAtClose, 'succeeded', 'still up, with no request, until the job had ended');
    t.equal(job?.status, 'succeeded', 'the job was not cancelled');
    // A lower bound only: a busy machine makes the gap longer, never shorter.
    const idleAfterJob = closedAt - Date.parse(job?.finishedAt as string);
    t.ok(idleAfterJob >= 350, `stopped ${idleAfterJob} ms after the job ended, not at once`);
  },
);

t.test('a catalog that cannot be saved at stop: logged, and the engine still stops', async (t) => {
  const e = await testEngine(t);
  const disk = unsavable(t, e.stateDir);
  e.store.commit(() => undefined); // a change the final flush must save
  await disk.break();
  await e.stop('test');
  await e.closed;
  await t.rejects(stat(join(e.stateDir, 'engine.lock')), 'the lock was released');
  await t.rejects(stat(join(e.stateDir, 'engine.json')), 'engine.json removed');
  const log = await readFile(join(e.stateDir, 'logs', 'engine.log'), 'utf8');
  t.match(
    log,
    /"event":"catalog_not_saved_at_stop","error":"cannot save the catalog .*: a directory is in the way"/,
  );
  t.match(log, /"event":"engine_stopped"/);
});
