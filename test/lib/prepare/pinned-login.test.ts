import t from 'tap';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, catalogRoles, holdClient, outcome, query } from '../../helpers/postgres.js';
import { elsewhere, RESTRICTED, ready } from '../../helpers/restricted.js';

// A step may grant on its table to any role it can name, another user's instance login
// included; such a grant keeps DROP ROLE from dropping that login. Deletes still succeed: the
// login is disabled at once and dropped by reconciliation once nothing pins it
// (docs/security.md, "Roles in the database").

/** A state whose build grants on its table to `login`: pins it from another database. */
const pin = (e: TestEngine, login: string, table: string) =>
  ready(e, `create table ${table}(x int); grant select on ${table} to "${login}"`);

/** The login's row, as the admin sees it; undefined when dropped. */
async function login(role: string) {
  const rows = await query<{ canlogin: boolean; password: boolean }>(
    ADMIN_URL,
    'SELECT rolcanlogin AS canlogin, rolpassword IS NOT NULL AS password FROM pg_authid WHERE rolname = $1',
    [role],
  );
  return rows[0];
}

t.test('deleting an instance whose login another state pins succeeds', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const victim = await ready(e, 'create table victim(x int)');
  const pinning = await pin(e, victim.db, 'pin');
  // A session of the login outside its database (postgres keeps PUBLIC's CONNECT) is ended.
  const session = await holdClient(t, elsewhere(victim.dsn, 'postgres'));
  const res = await e.call('DELETE', `/v1/instances/${victim.instance_id}?force=true`);
  t.equal(res.status, 200, res.text);
  t.equal(res.json().outcome, 'deleted');
  t.same(await login(victim.db), { canlogin: false, password: false }, 'disabled at once');
  await t.rejects(session.query('select 1'), 'its session was ended');
  t.match(
    await outcome(elsewhere(victim.dsn, 'postgres')),
    /not permitted to log in|password authentication failed/,
  );
  // A state delete (rm -r) whose instance is pinned answers as a delete too.
  const other = await ready(e, 'create table other(x int)');
  const pinning2 = await pin(e, other.db, 'pin2');
  const rm = await e.call('DELETE', `/v1/states/${other.state_id}?recurse=true&force=true`);
  t.equal(rm.status, 200, rm.text);
  t.equal(rm.json().outcome, 'deleted');
  t.same(await login(other.db), { canlogin: false, password: false });
  // Reconciliation leaves pinned logins disabled, and drops them once the pins are gone.
  const kept = await e.deps.deletion.reconcile();
  t.same([kept.logins, kept.unreachable], [[], []]);
  t.ok(await login(victim.db), 'still pinned');
  for (const id of [pinning.state_id, pinning2.state_id])
    t.equal((await e.call('DELETE', `/v1/states/${id}?recurse=true&force=true`)).status, 200);
  const report = await e.deps.deletion.reconcile();
  t.same(report.logins.sort(), [victim.db, other.db].sort());
  t.notOk((await catalogRoles(e.store.catalogId)).includes(victim.db));
});
