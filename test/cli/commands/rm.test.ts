import t from 'tap';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import { cliIn, cliStateDir, stopEngineIn } from '../../helpers/cli.js';
import { ADMIN_URL, holdPsqlSession, query } from '../../helpers/postgres.js';
import { hex, instanceRow } from '../../helpers/rows.js';

t.test(
  'rm: instance, dry run, blocked exit 4, force, recursive state, nothing matching',
  async (t) => {
    const dir = await cliStateDir(t);
    const cli = cliIn(dir);
    const prep = await cli([
      'prepare:psql',
      '--output',
      'json',
      '--',
      '-c',
      'create table t(x int)',
    ]);
    const result = JSON.parse(prep.stdout);
    await holdPsqlSession(t, result.dsn);
    const blocked = await cli(['rm', result.instance_id.slice(0, 8)]);
    t.equal(blocked.code, 4, blocked.stderr);
    t.equal(
      blocked.stdout,
      `instance ${result.instance_id} blocked (active_connections) connections=1\n`,
    );
    const dry = await cli(['rm', '--dry-run', result.state_id.slice(0, 12), '-r']);
    t.equal(dry.code, 4, 'a blocked dry run exits 4 as well');
    t.match(
      dry.stdout,
      new RegExp(
        `^state ${result.state_id} blocked \\(blocked_by_descendant\\)\n└── instance ${result.instance_id} blocked \\(active_connections\\) connections=1\n$`,
      ),
    );
    const forced = await cli(['rm', '-f', result.instance_id]);
    t.equal(forced.code, 0, forced.stderr);
    t.equal(forced.stdout, `instance ${result.instance_id} deleted connections=1\n`);
    const wouldDelete = await cli(['rm', '--dry-run', result.state_id.slice(0, 12)]);
    t.equal(wouldDelete.stdout, `state ${result.state_id} would delete\n`);
    const gone = await cli(['rm', result.state_id.slice(0, 12)]);
    t.equal(gone.code, 0);
    t.equal(gone.stdout, `state ${result.state_id} deleted\n`);
    const nothing = await cli(['rm', 'abcdef0123']);
    t.equal(nothing.code, 0, 'no match is a no-op');
    t.match(nothing.stderr, /warning: nothing matches abcdef0123/);
    t.equal((await cli(['rm'])).code, 2);
    t.equal((await cli(['rm', 'xyz'])).code, 2);
    const json = await cli(['rm', '--output', 'json', 'abcdef0123']);
    t.equal(json.stdout, '');
  },
);

t.test('rm: an ambiguous prefix exits 2 and removes nothing; jobs by id', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  const prep = JSON.parse(
    (await cli(['prepare:psql', '--output', 'json', '--', '-c', 'select 1'])).stdout,
  );
  // Two instances whose ids share a prefix: made by hand, with real databases behind them.
  await stopEngineIn(dir, false);
  const store = await openSqljsStore({ dir });
  const rows = [
    instanceRow(prep.state_id, { instance_id: `abcdef01${hex(12)}` }),
    instanceRow(prep.state_id, { instance_id: `abcdef01${hex(12)}` }),
  ];
  for (const r of rows) {
    r.db_name = `sqlrs_${store.catalogId}_i_${r.instance_id}`;
    r.image_id = 'postgres';
    await query(ADMIN_URL, `CREATE DATABASE "${r.db_name}"`);
  }
  await store.write((w) => {
    for (const r of rows) w.insertInstance(r);
  });
  await store.close();
  const amb = await cli(['rm', 'abcdef01']);
  t.equal(amb.code, 2);
  t.match(amb.stderr, /abcdef01 is ambiguous: instance abcdef01/);
  t.equal(
    JSON.parse((await cli(['ls', '-i', '--output', 'json'])).stdout).instances.length,
    3,
    'nothing removed',
  );
  t.equal((await cli(['ls', '--instance', 'abcdef01'])).code, 2, 'ls filters are ambiguous too');
  const plan = await cli(['plan:psql', '--no-watch', '--', '-c', 'select 1']);
  const jobId = /JOB_ID=([0-9a-f]{32})/.exec(plan.stdout)?.[1] as string;
  await cli(['watch', jobId]);
  const rmJob = await cli(['rm', jobId]);
  t.equal(rmJob.code, 0, rmJob.stderr);
  t.equal(rmJob.stdout, `job ${jobId} deleted\n`);
});
