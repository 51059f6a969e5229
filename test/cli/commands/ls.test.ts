import t from 'tap';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

t.test('ls: tables, long ids, quiet, no header, JSON, filters', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  await cli(['prepare:psql', '--name', 'one', '--', '-c', 'create table t(x int)']);
  await cli([
    'prepare:psql',
    '--',
    '-c',
    'create table t(x int)',
    '-c',
    'insert into t values (1)',
  ]);
  const def = await cli(['ls']);
  t.equal(def.code, 0, def.stderr);
  t.match(
    def.stdout,
    /^NAME\s+INSTANCE\s+STATE\s+IMAGE\s+STATUS\s+LAST USED\none\s+[0-9a-f]{12}\s/,
  );
  t.match(def.stdout, /\nINSTANCE\s+NAME\s+STATE/);
  const instanceLines = def.stdout.split('\n\n')[1]?.trim().split('\n').slice(1) ?? [];
  t.equal(instanceLines.length, 2);
  t.ok(
    instanceLines.every((l) => /^[0-9a-f]{12}\s/.test(l)),
    '12-character ids',
  );
  t.match((await cli(['ls', '-i', '--long'])).stdout, /\n[0-9a-f]{32}\s/);
  const quiet = (await cli(['ls', '-i', '--quiet'])).stdout.trim().split('\n');
  t.equal(quiet.length, 2);
  t.ok(quiet.every((l) => /^[0-9a-f]{12}$/.test(l)));
  t.notMatch((await cli(['ls', '-i', '--no-header'])).stdout, /INSTANCE/);
  const tree = (await cli(['ls', '-s'])).stdout;
  t.match(tree, /\n[0-9a-f]{12}\s+postgres[^\n]*\n└── [0-9a-f]{12}\s+postgres/, 'states as a tree');
  const all = JSON.parse((await cli(['ls', '--all', '--output', 'json'])).stdout);
  t.same(Object.keys(all).sort(), ['instances', 'jobs', 'names', 'states', 'tasks']);
  t.equal(all.states.length, 2);
  const sel = JSON.parse((await cli(['ls', '-s', '-j', '--output', 'json'])).stdout);
  t.same(Object.keys(sel).sort(), ['jobs', 'states'], 'only the selected arrays');
  const child = all.states.find(
    (s: { parent_state_id: string | null }) => s.parent_state_id !== null,
  );
  const byState = JSON.parse(
    (await cli(['ls', '-i', '--state', child.state_id.slice(0, 10), '--output', 'json'])).stdout,
  );
  t.equal(byState.instances.length, 1);
  const byName = JSON.parse(
    (await cli(['ls', '-i', '--instance', 'one', '--output', 'json'])).stdout,
  );
  t.equal(byName.instances[0].name, 'one');
  t.equal(
    JSON.parse((await cli(['ls', '-n', '--name', 'nobody', '--output', 'json'])).stdout).names
      .length,
    0,
  );
  const jobId = all.jobs[0].job_id;
  t.equal(
    JSON.parse((await cli(['ls', '-t', '--job', jobId, '--output', 'json'])).stdout).tasks[0]
      .job_id,
    jobId,
  );
  const short = await cli(['ls', '--state', 'zz']);
  t.equal(short.code, 2);
  t.match(short.stderr, /zz: give at least 8 hex characters of a state id/, 'in the CLI’s words');
  const kind = await cli(['ls', '--kind', 'foo']);
  t.equal(kind.code, 2, 'a bad --kind is refused even when no states are listed');
  t.match(kind.stderr, /--kind must be psql or mysql \(got foo\)/);
  const none = await cli(['ls', '--state', 'abababab']);
  t.equal(none.code, 2);
  t.match(none.stderr, /no state matches abababab/);
  t.equal((await cli(['ls', 'extra'])).code, 2);
});

t.test('ls --kind: states and jobs of the kind, names and instances by their state', async (t) => {
  const cli = cliIn(await cliStateDir(t));
  t.equal((await cli(['prepare:psql', '--name', 'pg1', '--', '-c', 'select 1'])).code, 0);
  t.equal((await cli(['prepare:mysql', '--name', 'my1', '--', '-e', 'select 1'])).code, 0);
  const list = async (kind: string) =>
    JSON.parse((await cli(['ls', '--all', '--kind', kind, '--output', 'json'])).stdout);
  const pg = await list('psql');
  t.same(
    pg.names.map((n: { name: string }) => n.name),
    ['pg1'],
  );
  t.equal(pg.instances.length, 1);
  t.equal(pg.instances[0].name, 'pg1');
  t.ok(pg.instances[0].dsn.startsWith('postgres://'));
  t.ok(
    pg.states.length > 0 &&
      pg.states.every((s: { prepare_kind: string }) => s.prepare_kind === 'psql'),
  );
  t.ok(
    pg.jobs.length > 0 && pg.jobs.every((j: { prepare_kind: string }) => j.prepare_kind === 'psql'),
  );
  const my = await list('mysql');
  t.same(
    my.instances.map((i: { name: string }) => i.name),
    ['my1'],
  );
  t.ok(my.states.every((s: { prepare_kind: string }) => s.prepare_kind === 'mysql'));
  const human = await cli(['ls', '--kind', 'mysql', '--no-header']);
  t.match(human.stdout, /^my1\s/m);
  t.notMatch(human.stdout, /pg1/);
});
