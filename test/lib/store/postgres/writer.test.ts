import t from 'tap';
import { pgWriter, runStatements } from '../../../../lib/store/postgres/writer.js';
import { pgCatalog } from '../../../helpers/pg-catalog.js';
import { query, withClient } from '../../../helpers/postgres.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';

t.test('the PG writer, on a real catalog schema', async (t) => {
  const cat = await pgCatalog(t);
  await (await cat.open()).close(); // makes the schema
  const s = stateRow();
  const i = instanceRow(s.state_id, {
    expires_at: '2026-01-01T00:00:59.000Z',
    idle_ttl_seconds: 60,
  });
  const run = (fn: (w: ReturnType<typeof pgWriter>['writer']) => void) =>
    withClient(cat.url, async (c) => {
      const w = pgWriter('"sqlrs_catalog"');
      fn(w.writer);
      await runStatements(c, w.statements());
    });
  await run((w) => {
    w.insertState(s);
    w.insertInstance(i);
    w.putName(nameRow('n', i));
    w.putName(nameRow('n', i, { last_used_at: '2026-01-02T00:00:00.000Z' }));
    w.touchInstances([i.instance_id], '2026-01-01T00:00:30.250Z');
  });
  const [inst] = await query(cat.url, 'SELECT * FROM sqlrs_catalog.instances');
  t.match(inst, {
    expires_at: '2026-01-01T00:01:30.250Z',
    last_used_at: '2026-01-01T00:00:30.250Z',
  });
  const [name] = await query(cat.url, 'SELECT * FROM sqlrs_catalog.names');
  t.match(name, { last_used_at: '2026-01-02T00:00:00.000Z' }, 'putName replaces');
  await run((w) => w.touchInstances([i.instance_id], '2026-01-01T00:00:00.000Z'));
  const [again] = await query(cat.url, 'SELECT expires_at FROM sqlrs_catalog.instances');
  t.match(again, { expires_at: '2026-01-01T00:01:30.250Z' }, 'never earlier than it was');
  await t.rejects(
    run((w) => w.insertState(s)),
    { code: '23505' },
    'a key conflict throws',
  );
});
