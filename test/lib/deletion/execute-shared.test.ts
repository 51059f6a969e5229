import t, { type Test } from 'tap';
import { imageTarget } from '../../../lib/config.js';
import type { DbmsServer } from '../../../lib/dbms/types.js';
import type { DeletionContext } from '../../../lib/deletion/context.js';
import type { PrepareContext } from '../../../lib/prepare/context.js';
import { databaseExists } from '../../helpers/postgres.js';
import { type SharedCore, sharedEngines } from '../../helpers/shared-engines.js';

// Two engines on one shared catalog: a delete through A and a build or clone through B from
// the same state, in either order, never leave a row whose state is gone.

const BASE = ['-c', 'create table base_t(x int)'];
const CHILD = [...BASE, '-c', 'create table child_t(x int)'];

function serverOf(e: SharedCore): DbmsServer {
  const ctx = (e.core.deps.jobs as unknown as { ctx: PrepareContext }).ctx;
  return ctx.servers(imageTarget(ctx.config, 'postgres'));
}

async function prepare(t: Test, e: SharedCore, args: string[]) {
  const res = await e.call('POST', '/v1/prepare-jobs', { prepare_kind: 'psql', psql_args: args });
  t.equal(res.status, 202);
  const jobId = res.body.job_id as string;
  await e.events(jobId);
  return (await e.call('GET', `/v1/prepare-jobs/${jobId}`)).body as {
    status: string;
    result?: { state_id: string; instance_id: string };
    error?: { code: string; message: string };
  };
}

/** No state or instance row names a state the catalog does not have. */
function orphans(e: SharedCore): string[] {
  const s = e.core.store;
  const states = s.stateHolds();
  const known = new Set(states.map((r) => r.state_id));
  return [
    ...states.filter((r) => r.parent_state_id && !known.has(r.parent_state_id)),
    ...s.catalogDatabases().filter((d) => d.kind === 'instance'),
  ]
    .map((r) => ('state_id' in r ? r.state_id : s.getInstance(r.id)?.state_id) as string)
    .filter((id) => !known.has(id));
}

t.test(
  'a child built by another engine after the delete was planned: 409, nothing dropped',
  async (t) => {
    const { start } = await sharedEngines(t);
    const a = await start();
    const b = await start();
    const base = await prepare(t, a, BASE);
    const stateId = base.result?.state_id as string;
    const stateDb = a.core.store.getState(stateId)?.db_name as string;
    // A's plan is read (its sessions are counted next); B builds a child before A records it.
    const server = serverOf(a);
    const sessions = server.sessions.bind(server);
    let child: Awaited<ReturnType<typeof prepare>> | undefined;
    server.sessions = async (dbs) => {
      child ??= await prepare(t, b, CHILD);
      return sessions(dbs);
    };
    const res = await a.call('DELETE', `/v1/states/${stateId}?recurse=true&force=true`);
    t.equal(child?.status, 'succeeded', "B's child was built");
    t.equal(res.status, 409, 'the delete is refused');
    t.equal(res.body.code, 'conflict');
    t.match(res.body.message, /try again/);
    await a.core.store.refresh();
    t.ok(a.core.store.getState(stateId), 'the state stays');
    t.ok(a.core.store.getInstance(base.result?.instance_id as string), 'and its instance');
    t.ok(await databaseExists(stateDb), 'its database was not dropped');
    t.same(orphans(a), [], 'no row lost its state');
    const again = await a.call('DELETE', `/v1/states/${stateId}?recurse=true&force=true`);
    t.equal(again.body.outcome, 'deleted', 'asked again, the whole tree goes');
    t.same(orphans(a), []);
  },
);

t.test(
  'without recurse, a child built meanwhile blocks the delete (has_descendants)',
  async (t) => {
    const { start } = await sharedEngines(t);
    const a = await start();
    const b = await start();
    const base = await prepare(t, a, BASE);
    const stateId = base.result?.state_id as string;
    t.equal(
      (await a.call('DELETE', `/v1/instances/${base.result?.instance_id}`)).body.outcome,
      'deleted',
    );
    // A has planned (no child: the state alone) and drains the state's warm copies, the last
    // await before it records the drops; B builds a child meanwhile.
    const ctx = (a.core.deps.deletion as unknown as { ctx: DeletionContext }).ctx;
    let child: Awaited<ReturnType<typeof prepare>> | undefined;
    const pool = ctx.warmPool;
    ctx.warmPool = {
      drain: async () => {
        child ??= await prepare(t, b, CHILD);
      },
      inProgress: () => [],
    };
    t.teardown(() => {
      ctx.warmPool = pool;
    });
    const res = await a.call('DELETE', `/v1/states/${stateId}`);
    t.equal(child?.status, 'succeeded', "B's child was built");
    t.equal(res.status, 409);
    t.equal(res.body.outcome, 'blocked');
    t.equal(res.body.root.blocked, 'has_descendants');
    await a.core.store.refresh();
    t.ok(a.core.store.getState(stateId), 'the state stays');
    t.same(orphans(a), []);
  },
);

t.test(
  'a build or clone from a state whose delete is recorded fails; its databases go',
  async (t) => {
    const { start } = await sharedEngines(t);
    const a = await start();
    const b = await start();
    const base = await prepare(t, a, BASE);
    const stateId = base.result?.state_id as string;
    // A's drops are recorded; it waits before the first one while B builds and clones.
    const server = serverOf(a);
    const drop = server.drop.bind(server);
    let child: Awaited<ReturnType<typeof prepare>> | undefined;
    let copy: Awaited<ReturnType<typeof prepare>> | undefined;
    server.drop = async (db, force) => {
      if (!child) {
        child = await prepare(t, b, CHILD);
        copy = await prepare(t, b, BASE);
      }
      return drop(db, force);
    };
    const res = await a.call('DELETE', `/v1/states/${stateId}?recurse=true&force=true`);
    t.equal(res.body.outcome, 'deleted', 'the delete went through');
    t.equal(child?.status, 'failed', "B's build on the state failed");
    t.equal(child?.error?.code, 'conflict');
    t.match(child?.error?.message, /was deleted while a step was built on it/);
    t.equal(copy?.status, 'failed', "B's instance of the state failed");
    t.equal(copy?.error?.code, 'conflict');
    await a.core.store.refresh();
    await b.core.store.refresh();
    t.same(orphans(a), [], 'no row lost its state');
    t.same(orphans(b), []);
    t.same(a.core.store.stateHolds(), [], 'no state left');
    t.same(
      a.core.store.catalogDatabases().filter((d) => d.kind !== 'pool'),
      [],
      'no row left',
    );
    const left = b.core.store.listPending().filter((p) => p.kind !== 'drop' && p.job_id !== null);
    t.same(left, [], 'no build or clone record left (held reservations aside)');
  },
);
