import t from 'tap';
import { PostgresServer } from '../../lib/dbms/postgres/server.js';
import { testEngine } from '../helpers/engine.js';
import { catalogDatabases, holdPsqlSession, query, sessionsOn } from '../helpers/postgres.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';

t.test('a held psql session blocks a delete; dry_run shows it; force drops it', async (t) => {
  const e = await testEngine(t);
  const { result } = await prepare(e, { psql_args: ['-c', 'create table t(x int)'], name: 'held' });
  const id = result?.instance_id as string;
  const db = new URL(result?.dsn as string).pathname.slice(1);
  await holdPsqlSession(t, result?.dsn as string);

  const blocked = await e.call('DELETE', `/v1/instances/${id}`);
  t.equal(blocked.status, 409);
  conforms(t, 'delete-result.json', blocked.json());
  t.match(blocked.json(), {
    dry_run: false,
    outcome: 'blocked',
    root: { kind: 'instance', id, blocked: 'active_connections', connections: 1 },
  });
  const dry = await e.call('DELETE', `/v1/instances/${id}?dry_run=true`);
  t.equal(dry.status, 200);
  t.same(dry.json().root, blocked.json().root, 'the dry run answers 200 with the same tree');
  t.equal(dry.json().outcome, 'blocked');
  t.equal(
    (await catalogDatabases(e.store.catalogId)).filter((d) => d === db).length,
    1,
    'nothing dropped',
  );

  const forced = await e.call('DELETE', `/v1/instances/${id.slice(0, 10)}?force=1`);
  t.equal(forced.status, 200);
  t.match(forced.json(), { outcome: 'deleted', root: { id, connections: 1 } });
  t.notOk(forced.json().root.blocked);
  t.equal(await sessionsOn(db), 0, 'the session is gone');
  t.notOk((await catalogDatabases(e.store.catalogId)).includes(db), 'the database is gone');
  t.equal((await e.get(`/v1/instances/${id}`)).status, 404);
  t.match((await e.get('/v1/names/held')).json(), { status: 'missing' }, 'its name turns missing');
  t.equal((await e.call('DELETE', `/v1/instances/${id}`)).status, 404, 'already gone');
});

t.test('an idle instance is deleted without force; bad input', async (t) => {
  const e = await testEngine(t);
  const { result } = await prepare(e, { psql_args: ['-c', 'select 1'] });
  const dry = await e.call('DELETE', `/v1/instances/${result?.instance_id}?dry_run=1`);
  t.match(dry.json(), { dry_run: true, outcome: 'would_delete', root: { connections: 0 } });
  const res = await e.call('DELETE', `/v1/instances/${result?.instance_id}`);
  t.match(res.json(), { outcome: 'deleted' });
  t.equal((await e.call('DELETE', `/v1/instances/${result?.instance_id}?force=maybe`)).status, 400);
  t.equal((await e.call('DELETE', '/v1/instances/abc')).status, 400, 'prefix too short');
  t.equal((await e.call('DELETE', `/v1/instances/${'0'.repeat(32)}`)).status, 404);
});

t.test(
  'a session that arrives between the check and the drop makes the delete blocked',
  async (t) => {
    const e = await testEngine(t);
    const { result } = await prepare(e, { psql_args: ['-c', 'select 1'] });
    const id = result?.instance_id as string;
    // The first count sees no session; a session then connects before the fence goes up.
    const sessions = PostgresServer.prototype.sessions;
    let calls = 0;
    PostgresServer.prototype.sessions = async function (this: PostgresServer, dbs: string[]) {
      const counts = await sessions.call(this, dbs);
      if (++calls === 1) await holdPsqlSession(t, result?.dsn as string);
      return counts;
    };
    t.teardown(() => {
      PostgresServer.prototype.sessions = sessions;
    });
    const res = await e.call('DELETE', `/v1/instances/${id}`);
    t.equal(res.status, 409);
    t.match(res.json(), {
      outcome: 'blocked',
      root: { blocked: 'active_connections', connections: 1 },
    });
    t.equal((await e.get(`/v1/instances/${id}`)).status, 200, 'still in the catalog');
    t.equal(
      await sessionsOn(new URL(result?.dsn as string).pathname.slice(1)),
      1,
      'and the session still works',
    );
    await query(result?.dsn as string, 'select 1');
  },
);
