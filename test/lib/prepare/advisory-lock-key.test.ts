import { createHash } from 'node:crypto';
import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, holdClient, query } from '../../helpers/postgres.js';
import { contextOf, prepare } from '../../helpers/prepare.js';
import { RESTRICTED } from '../../helpers/restricted.js';

// A state's build lock is keyed with the catalog's secret (lib/dbms/postgres/advisory-locks.ts):
// a session that computes a key from the state's database name (the red team's
// advisory-lock-dos.sh) holds a lock no build waits for.
const publicKey = (db: string) =>
  createHash('sha256').update(`sqlrs:${db}`).digest().readBigInt64BE(0).toString();

t.test('a lock taken on a key computed from the name stalls no build', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  t.ok(e.store.lockSecret, 'the catalog has a lock secret');
  const body = { psql_args: ['-c', 'create table locked_out(x int)'] };
  const plan = await prepare(e, { ...body, plan_only: true });
  const stateId = plan.job.tasks?.find((task) => task.output_state_id)?.output_state_id;
  const stateDb = contextOf(e).names.state(stateId as string);
  const squatter = await holdClient(t);
  await squatter.query('select pg_advisory_lock($1::bigint)', [publicKey(stateDb)]);
  // The build either finishes, or is seen waiting for an advisory lock: never left to hang.
  const build = prepare(e, body).then((p) => p.job.status);
  let waiting = false;
  let status: string | undefined;
  build.then((s) => {
    status = s;
  });
  while (status === undefined && !waiting) {
    // This engine's sessions only: others test on the same server.
    const rows = await query(
      ADMIN_URL,
      `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND NOT l.granted AND a.application_name LIKE $1`,
      [`sqlrs-engine:${e.store.catalogId}:%`],
    );
    waiting = rows.length > 0 && status === undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (waiting) await squatter.query('select pg_advisory_unlock_all()');
  t.notOk(waiting, 'the build never waited for the lock taken on the computed key');
  t.equal(await build, 'succeeded');
});
