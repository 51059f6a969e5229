import t from 'tap';
import type { DeleteNode } from '../../lib/schema-types.js';
import { testEngine } from '../helpers/engine.js';
import { catalogDatabases, holdPsqlSession, query, sessionsOn } from '../helpers/postgres.js';
import { followEvents, prepare, unfinishedRecords } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

const ids = (node: DeleteNode): string[] => [node.id, ...(node.children ?? []).flatMap(ids)];

/** root -> a -> (a1 instance, b -> b1, b2 instances); root has an instance too. */
async function tree(t: Parameters<typeof testEngine>[0]) {
  const e = await testEngine(t);
  const root = await prepare(e, { psql_args: ['-c', 'create table t(x int)'] });
  const a = await prepare(e, {
    psql_args: ['-c', 'create table t(x int)', '-c', 'insert into t values (1)'],
  });
  // The same script twice: two instances of state b.
  const bArgs = [
    '-c',
    'create table t(x int)',
    '-c',
    'insert into t values (1)',
    '-c',
    'insert into t values (2)',
  ];
  const b1 = await prepare(e, { psql_args: bArgs });
  const b2 = await prepare(e, { psql_args: bArgs });
  return { e, root, a, b1, b2 };
}

t.test('a state with descendants: 409 has_descendants without recurse', async (t) => {
  const { e, root } = await tree(t);
  const res = await e.call('DELETE', `/v1/states/${root.result?.state_id}`);
  t.equal(res.status, 409);
  conforms(t, 'delete-result.json', res.json());
  t.match(res.json(), { outcome: 'blocked', root: { kind: 'state', blocked: 'has_descendants' } });
  const dry = await e.call('DELETE', `/v1/states/${root.result?.state_id}?dry_run=true`);
  t.equal(dry.status, 200);
  t.equal(dry.json().outcome, 'blocked');
});

t.test(
  'recurse: the dry run lists the tree; one busy instance blocks all; force removes all',
  async (t) => {
    const { e, root, a, b1, b2 } = await tree(t);
    const dry = await e.call(
      'DELETE',
      `/v1/states/${root.result?.state_id}?recurse=true&dry_run=true`,
    );
    t.equal(dry.status, 200);
    t.equal(dry.json().outcome, 'would_delete');
    conforms(t, 'delete-result.json', dry.json());
    const listed = ids(dry.json().root);
    for (const r of [root, a, b1, b2]) {
      t.ok(listed.includes(r.result?.instance_id as string), 'every instance listed');
      t.ok(listed.includes(r.result?.state_id as string), 'every state listed');
    }
    t.equal(listed.length, 7, '3 states and 4 instances');
    t.ok(
      dry
        .json()
        .root.children.every((c: DeleteNode) => c.kind !== 'instance' || c.connections === 0),
    );

    await holdPsqlSession(t, b1.result?.dsn as string);
    const blocked = await e.call('DELETE', `/v1/states/${root.result?.state_id}?recurse=true`);
    t.equal(blocked.status, 409);
    const body = blocked.json();
    t.equal(body.outcome, 'blocked');
    t.equal(body.root.blocked, 'blocked_by_descendant');
    const aNode = body.root.children.find((c: DeleteNode) => c.id === a.result?.state_id);
    t.equal(aNode.blocked, 'blocked_by_descendant');
    const bNode = aNode.children.find((c: DeleteNode) => c.kind === 'state');
    t.match(
      bNode.children.find((c: DeleteNode) => c.id === b1.result?.instance_id),
      {
        blocked: 'active_connections',
        connections: 1,
      },
    );
    t.notOk(bNode.children.find((c: DeleteNode) => c.id === b2.result?.instance_id).blocked);
    t.equal((await catalogDatabases(e.store.catalogId)).length, 7, 'nothing was deleted');
    t.equal((await e.get('/v1/instances')).json().length, 4);
    t.ok(await e.get(`/v1/instances/${b2.result?.instance_id}`), 'siblings still there');
    await query(b2.result?.dsn as string, 'select 1');

    const forced = await e.call(
      'DELETE',
      `/v1/states/${root.result?.state_id.slice(0, 12)}?recurse=1&force=1`,
    );
    t.equal(forced.status, 200);
    t.equal(forced.json().outcome, 'deleted');
    t.same(await catalogDatabases(e.store.catalogId), [], 'everything went from the server');
    t.same((await e.get('/v1/states')).json(), [], 'and from the catalog');
    t.same((await e.get('/v1/instances')).json(), []);
    t.equal(await sessionsOn(new URL(b1.result?.dsn as string).pathname.slice(1)), 0);
  },
);

t.test('a leaf state with no instances is deleted without recurse', async (t) => {
  const e = await testEngine(t);
  await prepare(e, { psql_args: ['-c', 'select 1'], plan_only: false });
  const states = (await e.get('/v1/states')).json();
  const inst = (await e.get('/v1/instances')).json()[0];
  await e.call('DELETE', `/v1/instances/${inst.instance_id}`);
  const res = await e.call('DELETE', `/v1/states/${states[0].state_id}`);
  t.equal(res.status, 200);
  t.match(res.json(), { outcome: 'deleted', root: { kind: 'state' } });
  t.same(await catalogDatabases(e.store.catalogId), []);
  t.equal((await e.call('DELETE', `/v1/states/${states[0].state_id}`)).status, 404);
  t.equal((await e.call('DELETE', `/v1/states/${states[0].state_id}?recurse=perhaps`)).status, 400);
});

t.test('a state deleted while a job builds on it fails the job and leaves no orphan', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({
      prepare_kind: 'psql',
      psql_args: ['-c', 'create table t(x int)', '-c', 'select pg_sleep(1.5)', '-c', 'select 3'],
    }),
  });
  const jobId = res.json().job_id as string;
  let first: string | undefined;
  while (!first) {
    first = (await e.get('/v1/states')).json()[0]?.state_id;
    await new Promise((r) => setTimeout(r, 20));
  }
  const deleted = await e.call('DELETE', `/v1/states/${first}?recurse=true`);
  t.equal(deleted.json().outcome, 'deleted', 'the delete is not held up by the build');
  const events = await followEvents(e, jobId);
  t.match(events.at(-1), {
    type: 'error',
    error: { code: 'conflict', message: new RegExp(`state ${first} was deleted`) },
  });
  t.same((await e.get('/v1/states')).json(), [], 'no state was kept without its parent');
  t.same(await catalogDatabases(e.store.catalogId), [], 'and no database');
  t.same(unfinishedRecords(e), [], 'no pending record');
});

t.test('a state deleted while a cache hit copies it is built again for the hit', async (t) => {
  const e = await testEngine(t);
  // Big enough that the delete comes while the server is still cloning it.
  const args = ['-c', 'create table t as select generate_series(1, 1500000) x'];
  const first = await prepare(e, { psql_args: args });
  const hit = await e.call('POST', '/v1/prepare-jobs', {
    body: JSON.stringify({ prepare_kind: 'psql', psql_args: args }),
  });
  const del = await e.call('DELETE', `/v1/states/${first.result?.state_id}?recurse=true`);
  t.equal(del.json().outcome, 'deleted');
  const events = await followEvents(e, hit.json().job_id);
  t.equal(events.at(-1)?.type, 'result', 'the hit still gets its database');
  const states = (await e.get('/v1/states')).json();
  const instances = (await e.get('/v1/instances')).json();
  t.same(
    instances.map((i: { state_id: string }) => i.state_id),
    states.map((s: { state_id: string }) => s.state_id),
    'its instance has its state',
  );
  t.equal((await catalogDatabases(e.store.catalogId)).length, states.length + instances.length);
});

t.test(
  'overlapping deletes sent at once: one at a time, the later ones find theirs gone',
  async (t) => {
    const e = await testEngine(t);
    for (const round of [1, 2]) {
      const steps = ['-c', `create table t${round}(x int)`];
      const a = await prepare(e, { psql_args: [...steps, '-c', 'select 2'] });
      const b = await prepare(e, { psql_args: [...steps, '-c', 'select 3'] });
      const rootId = (await e.get('/v1/states'))
        .json()
        .find((s: { parent_state_id: string | null }) => s.parent_state_id === null).state_id;
      const replies = await Promise.all([
        e.call('DELETE', `/v1/states/${rootId}?recurse=true`),
        e.call('DELETE', `/v1/states/${rootId}?recurse=true&force=true`),
        e.call('DELETE', `/v1/instances/${a.result?.instance_id}`),
        e.call('DELETE', `/v1/instances/${b.result?.instance_id}?force=true`),
        e.call('DELETE', `/v1/states/${b.result?.state_id}?recurse=true`),
      ]);
      for (const r of replies) t.ok([200, 404].includes(r.status), `round ${round}: ${r.text}`);
      t.same((await e.get('/v1/states')).json(), [], 'every state went');
      t.same(await catalogDatabases(e.store.catalogId), [], 'every database went');
      t.same(unfinishedRecords(e), [], 'no drop record was left');
    }
  },
);
