import t from 'tap';
import { testEngine } from '../../helpers/engine.js';
import { query } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';
import { unsavable } from '../../helpers/unsavable.js';

t.test('a delete whose records cannot be saved: 503, nothing dropped or left fenced', async (t) => {
  const e = await testEngine(t);
  const done = await prepare(e, { psql_args: ['-c', 'create table kept_t(x int)'] });
  const inst = done.result as { instance_id: string; dsn: string };
  const disk = unsavable(t, e.stateDir);
  await disk.break();
  const res = await e.call('DELETE', `/v1/instances/${inst.instance_id}`);
  t.equal(res.status, 503);
  t.match(res.json(), {
    code: 'unavailable',
    message: /^cannot save the catalog .*state\.db: a directory is in the way$/,
  });
  t.same(
    await query(inst.dsn, 'select count(*)::int as n from kept_t'),
    [{ n: 0 }],
    'the instance still takes connections',
  );
  // Left in memory, the records would reach the disk with a later flush, and the next start
  // would drop a database its user still has.
  t.same(
    e.store.listPending().filter((p) => p.kind === 'drop'),
    [],
    'no drop record left behind',
  );
  t.equal((await e.get(`/v1/instances/${inst.instance_id}`)).status, 200, 'still listed');
  await disk.repair();
  const again = await e.call('DELETE', `/v1/instances/${inst.instance_id}`);
  t.equal(again.json().outcome, 'deleted', 'deleted once the catalog can be saved');
});
