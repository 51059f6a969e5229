import t from 'tap';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import { cliIn, cliStateDir, runCli } from '../../helpers/cli.js';
import { pgCatalog } from '../../helpers/pg-catalog.js';
import { ADMIN_URL, query } from '../../helpers/postgres.js';
import { instanceRow, nameRow, stateRow } from '../../helpers/rows.js';

const prepare = async (cli: ReturnType<typeof cliIn>, args: string[], env?: NodeJS.ProcessEnv) => {
  const res = await cli(['prepare:psql', '--output', 'json', ...args], { env });
  if (res.code !== 0) throw new Error(res.stderr);
  return JSON.parse(res.stdout) as { instance_id: string; state_id: string; dsn: string };
};

t.test(
  'copy: states, instances and names move to a shared catalog and work there; a second run copies nothing; a live engine is refused',
  async (t) => {
    const dir = await cliStateDir(t);
    const cli = cliIn(dir);
    const cat = await pgCatalog(t);
    const base = await prepare(cli, ['--', '-c', 'create table base(x int)']);
    const child = await prepare(cli, [
      '--name',
      'dev',
      '--',
      '-c',
      'create table base(x int)',
      '-c',
      'create table child(y int)',
    ]);

    const live = await cli(['catalog', 'copy', '--to', cat.url]);
    t.equal(live.code, 4, 'refused while the engine runs');
    t.match(live.stderr, /is running \(pid \d+\) and uses its catalog; run sqlrs stop first/);
    t.equal((await cli(['stop'])).code, 0);

    const first = await cli(['catalog', 'copy', '--to', cat.url]);
    t.equal(first.code, 0, first.stderr);
    t.equal(
      first.stdout,
      `copied 2 states, 2 instances, 1 names into schema sqlrs_catalog at 127.0.0.1:5432/${cat.db}\n`,
    );
    t.match(first.stderr, 'copying: 5/5 rows', 'a progress line');
    const again = await cli(['catalog', 'copy', '--to', cat.url, '--output', 'json']);
    t.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    t.same(report.copied, { states: 0, instances: 0, names: 0 }, 'nothing twice');
    t.same(report.skipped, { states: 2, instances: 2, names: 1 });
    t.equal(
      (await cli(['catalog', 'copy', '--to', cat.url])).stdout.split(':')[0],
      'nothing to copy',
    );

    const shared = await cat.open();
    const source = await openSqljsStore({ dir });
    t.equal(shared.catalogId, source.catalogId, 'the shared catalog took the embedded id');
    t.equal(shared.lockSecret, source.lockSecret, 'and its lock secret');
    t.same(shared.getState(child.state_id), source.getState(child.state_id));
    t.same(shared.getInstance(base.instance_id), source.getInstance(base.instance_id));
    t.same(shared.getName('dev'), source.getName('dev'));
    await source.close();
    await shared.close();

    // An engine on the shared catalog keeps the copied rows through its start's reconciliation,
    // hits the copied state and deletes a copied instance with its database.
    const env = { SQLRS_CATALOG: cat.url };
    const hit = await prepare(cli, ['--', '-c', 'create table base(x int)'], env);
    t.equal(hit.state_id, base.state_id, 'a cache hit on the copied state');
    const ls = await cli(['ls', '--all', '--output', 'json', '--long'], { env });
    const listed = JSON.parse(ls.stdout);
    t.ok(
      listed.instances.some((i: { instance_id: string }) => i.instance_id === child.instance_id),
    );
    t.ok(listed.names.some((n: { name: string }) => n.name === 'dev'));
    const rm = await cli(['rm', base.instance_id], { env });
    t.equal(rm.code, 0, rm.stderr);
    const db = new URL(base.dsn).pathname.slice(1);
    const left = await query(ADMIN_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [db]);
    t.equal(left.length, 0, "the copied instance's database is dropped");
    t.equal((await cli(['stop'], { env })).code, 0);
  },
);

t.test(
  'copy skips what a shared catalog has, orders parents first, leaves unfinished work',
  async (t) => {
    const dir = await cliStateDir(t);
    const cat = await pgCatalog(t);
    const store = await openSqljsStore({ dir });
    const names = (s: string) => `sqlrs_${store.catalogId}_s_${s.slice(0, 40)}`;
    const root = stateRow();
    root.db_name = names(root.state_id);
    const mid = stateRow({ parent_state_id: root.state_id });
    const leaf = stateRow({ parent_state_id: mid.state_id });
    const gone = stateRow(); // being deleted: a pending drop names it
    const inst = instanceRow(leaf.state_id);
    const making = instanceRow(root.state_id); // being made
    // Inserted children first: the copy must still write parents first.
    await store.write((w) => {
      for (const s of [root, mid, leaf, gone]) w.insertState(s);
      w.insertInstance(inst);
      w.insertInstance(making);
      w.putName(nameRow('leafy', inst));
      w.putName(nameRow('early', making));
      for (const [op, target, kind] of [
        ['a', gone.state_id, 'drop'],
        ['b', making.instance_id, 'instance_create'],
      ] as const)
        w.addPending({
          op_id: op.repeat(32),
          kind,
          image_id: 'postgres:15',
          db_name: `sqlrs_${store.catalogId}_x`,
          target_id: target,
          job_id: null,
          created_at: '2026-01-01T00:00:00.000Z',
          reason: kind === 'drop' ? 'delete' : null,
        });
    });
    const ids = { catalogId: store.catalogId, lockSecret: store.lockSecret };
    await store.close();
    // The shared catalog already has `mid` (made by the same catalog: its ids).
    const { prepareCopyTarget } = await import('../../../lib/store/postgres/copy-target.js');
    await prepareCopyTarget(cat.url, 'copied', ids);
    const pre = await cat.open('copied');
    await pre.write((w) => w.insertState({ ...mid, size_bytes: 1 }));
    await pre.close();

    const res = await cliIn(dir)([
      'catalog',
      'copy',
      '--to',
      cat.url,
      '--schema',
      'copied',
      '--output',
      'json',
    ]);
    t.equal(res.code, 0, res.stderr);
    const report = JSON.parse(res.stdout);
    t.same(report.copied, { states: 2, instances: 1, names: 1 });
    t.same(report.skipped, { states: 1, instances: 0, names: 0 });
    t.same(report.unfinished, { states: 1, instances: 1, names: 0 });
    const shared = await cat.open('copied');
    t.equal(shared.getState(mid.state_id)?.size_bytes, 1, 'a row already there is left as it was');
    t.notOk(shared.getState(gone.state_id));
    t.notOk(shared.getInstance(making.instance_id));
    t.same(shared.listPending(), [], 'pending records stay behind');
    const log = await query<{ calls: string }>(
      cat.url,
      'SELECT calls FROM copied.journal ORDER BY seq DESC LIMIT 1',
    );
    const order = (JSON.parse(log[0]?.calls as string) as Array<[string, { state_id?: string }]>)
      .filter(([m]) => m === 'insertState')
      .map(([, r]) => r.state_id);
    t.same(order, [root.state_id, leaf.state_id], 'the root before the leaf');

    // Another catalog in the schema: refused, nothing written.
    const other = await cliStateDir(t);
    const o = await openSqljsStore({ dir: other });
    await o.write((w) => w.insertState(stateRow()));
    await o.close();
    const refused = await cliIn(other)(['catalog', 'copy', '--to', cat.url, '--schema', 'copied']);
    t.equal(refused.code, 4);
    t.match(refused.stderr, `schema copied at 127.0.0.1:5432/${cat.db} holds another catalog`);
  },
);

t.test('copy: bad URLs and arguments, never echoing a password; --help', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  const store = await openSqljsStore({ dir });
  await store.close();
  const down = await cli(['catalog', 'copy', '--to', 'postgres://me:sekret@127.0.0.1:1/cat']);
  t.equal(down.code, 3);
  t.match(down.stderr, 'the catalog server at 127.0.0.1:1/cat cannot be used');
  t.notMatch(down.stderr + down.stdout, 'sekret');
  const malformed = await cli(['catalog', 'copy', '--to', 'postgres://me:sekret@/cat']);
  t.equal(malformed.code, 2);
  t.notMatch(malformed.stderr, 'sekret');
  t.match(malformed.stderr, '--to: not a PostgreSQL URL with a host');
  t.equal((await cli(['catalog', 'copy', '--to', 'mysql://x@h/d'])).code, 2);
  t.equal((await cli(['catalog', 'copy'])).code, 2);
  t.equal((await cli(['catalog', 'move'])).code, 2);
  t.equal((await cli(['catalog', 'copy', '--to', ADMIN_URL, '--schema', 'Bad-Name'])).code, 2);
  const none = await cliIn(`${dir}/nothing`)(['catalog', 'copy', '--to', ADMIN_URL]);
  t.equal(none.code, 2);
  t.match(none.stderr, 'no embedded catalog in');
  const help = await runCli(['catalog', 'copy', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, 'Usage: sqlrs catalog copy --to postgres://USER@HOST/DB [--schema NAME]');
  t.match((await runCli(['--help'])).stdout, 'catalog copy');
});
