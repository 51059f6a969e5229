import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { testEngine } from '../helpers/engine.js';
import { query } from '../helpers/postgres.js';
import { prepare } from '../helpers/prepare.js';
import { conforms } from '../helpers/schema.js';
import { tempDir } from '../helpers/tmp.js';

const stepTasks = (job: {
  tasks?: Array<{ type: string; cached?: boolean; output_state_id?: string }>;
}) => (job.tasks ?? []).filter((x) => x.type === 'state_execute');

t.test(
  'one step: a DSN that psql and drivers connect to, holding what the script made',
  async (t) => {
    const e = await testEngine(t);
    const post = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({
        prepare_kind: 'psql',
        psql_args: ['-c', 'create table t(x int); insert into t values (42)'],
      }),
    });
    t.equal(post.status, 202);
    conforms(t, 'prepare-accepted.json', post.json());
    t.equal(post.headers.location, `/v1/prepare-jobs/${post.json().job_id}`);
    const { job } = await prepare(e, {
      psql_args: ['-c', 'create table t(x int); insert into t values (42)'],
    });
    conforms(t, 'job-status.json', job);
    t.equal(job.status, 'succeeded');
    t.equal(
      job.prepare_args_normalized,
      '-X -v ON_ERROR_STOP=1 -c create table t(x int); insert into t values (42)',
    );
    const rows = await query(job.result?.dsn as string, 'select x from t');
    t.same(rows, [{ x: 42 }]);
    t.match(job.result, { image_id: 'postgres', prepare_kind: 'psql', state_id: /^[0-9a-f]{64}$/ });
    const instance = (await e.get(`/v1/instances/${job.result?.instance_id}`)).json();
    t.match(instance, { state_id: job.result?.state_id, dsn: job.result?.dsn, status: 'orphaned' });
  },
);

t.test('several steps, -f files, -f - with stdin, \\i and \\ir includes', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  await mkdir(join(dir, 'lib'));
  await writeFile(join(dir, 'schema.sql'), 'create table a(x int);\n\\i lib/more.sql\n');
  // \ir is relative to the including file; \i to the working directory (the first -f's dir).
  await writeFile(join(dir, 'lib', 'more.sql'), 'create table b(y int);\n\\ir seed.sql\n');
  await writeFile(join(dir, 'lib', 'seed.sql'), 'insert into b values (7);\n');
  const { job } = await prepare(e, {
    psql_args: ['-f', join(dir, 'schema.sql'), '-c', 'insert into a values (1)', '-f', '-'],
    stdin: 'insert into a values (2);',
  });
  t.equal(job.status, 'succeeded', JSON.stringify(job.error));
  t.equal(stepTasks(job).length, 3);
  const dsn = job.result?.dsn as string;
  t.same(await query(dsn, 'select x from a order by x'), [{ x: 1 }, { x: 2 }]);
  t.same(await query(dsn, 'select y from b'), [{ y: 7 }]);
  const states = (await e.get('/v1/states')).json();
  t.equal(states.length, 3, 'one state per step');
  const last = states.find((s: { state_id: string }) => s.state_id === job.result?.state_id);
  t.equal(
    last.prepare_args_normalized,
    '-X -v ON_ERROR_STOP=1 -f -',
    'a state records its own step',
  );
});

t.test('cache: same request reuses every state; instances are private', async (t) => {
  const e = await testEngine(t);
  const args = { psql_args: ['-c', 'create table t(x int)', '-c', 'insert into t values (1)'] };
  const first = await prepare(e, args);
  const second = await prepare(e, args);
  t.same(
    stepTasks(first.job).map((x) => x.cached),
    [false, false],
  );
  t.same(
    stepTasks(second.job).map((x) => x.cached),
    [true, true],
    'every step cached',
  );
  t.equal(second.job.result?.state_id, first.job.result?.state_id, 'same state');
  t.not(second.job.result?.instance_id, first.job.result?.instance_id, 'new instance');
  await query(first.job.result?.dsn as string, 'insert into t values (99)');
  t.same(
    await query(second.job.result?.dsn as string, 'select x from t'),
    [{ x: 1 }],
    'a write in one is invisible in another',
  );
  t.equal((await e.get(`/v1/states/${first.job.result?.state_id}`)).json().refcount, 2);
});

t.test('shared prefix: the first step is reused, the second built', async (t) => {
  const e = await testEngine(t);
  const a = await prepare(e, {
    psql_args: ['-c', 'create table t(x int)', '-c', 'insert into t values (1)'],
  });
  const b = await prepare(e, {
    psql_args: ['-c', 'create table t(x int)', '-c', 'insert into t values (2)'],
  });
  t.same(
    stepTasks(b.job).map((x) => x.cached),
    [true, false],
  );
  t.equal(stepTasks(b.job)[0]?.output_state_id, stepTasks(a.job)[0]?.output_state_id);
  t.same(await query(b.job.result?.dsn as string, 'select x from t'), [{ x: 2 }]);
});

t.test(
  'editing an include changes only the steps that include it; moving files changes nothing',
  async (t) => {
    const e = await testEngine(t);
    const dir = await tempDir(t);
    await writeFile(join(dir, 'schema.sql'), 'create table t(x int);\n');
    await writeFile(join(dir, 'seed.sql'), '\\ir seed-data.sql\n');
    await writeFile(join(dir, 'seed-data.sql'), 'insert into t values (1);\n');
    const argsIn = (d: string) => ({
      psql_args: ['-f', join(d, 'schema.sql'), '-f', join(d, 'seed.sql')],
    });
    const first = await prepare(e, argsIn(dir));
    await writeFile(join(dir, 'seed-data.sql'), 'insert into t values (2);\n');
    const edited = await prepare(e, argsIn(dir));
    t.same(
      stepTasks(edited.job).map((x) => x.cached),
      [true, false],
      'only the including step rebuilt',
    );
    t.not(edited.job.result?.state_id, first.job.result?.state_id);
    t.same(await query(edited.job.result?.dsn as string, 'select x from t'), [{ x: 2 }]);

    const moved = join(await tempDir(t), 'elsewhere');
    await rename(dir, moved);
    const afterMove = await prepare(e, argsIn(moved));
    t.same(
      stepTasks(afterMove.job).map((x) => x.cached),
      [true, true],
      'moving the files changes nothing',
    );
    t.equal(afterMove.job.result?.state_id, edited.job.result?.state_id);
  },
);

t.test('plan_only: the plan with cached flags, nothing created', async (t) => {
  const e = await testEngine(t);
  const args = ['-c', 'create table t(x int)', '-c', 'select 1'];
  await prepare(e, { psql_args: args.slice(0, 2) });
  const before = (await e.get('/v1/instances')).json().length;
  const { job } = await prepare(e, { psql_args: args, plan_only: true });
  t.equal(job.status, 'succeeded');
  t.equal(job.plan_only, true);
  t.notOk(job.result, 'no result');
  t.same(
    stepTasks(job).map((x) => x.cached),
    [true, false],
  );
  t.notOk(
    job.tasks?.some((x) => x.type === 'prepare_instance'),
    'no prepare_instance task',
  );
  t.equal((await e.get('/v1/instances')).json().length, before, 'no instance');
  t.equal((await e.get('/v1/states')).json().length, 1, 'no new state');
});

t.test(
  'name binding: taken names are a 409 before any work; a gone instance frees it',
  async (t) => {
    const e = await testEngine(t);
    const { job } = await prepare(e, { psql_args: ['-c', 'select 1'], name: 'devdb' });
    t.match((await e.get('/v1/names/devdb')).json(), {
      instance_id: job.result?.instance_id,
      status: 'active',
    });
    const again = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-c', 'select 1'], name: 'devdb' }),
    });
    t.equal(again.status, 409);
    t.match(again.json(), { code: 'conflict', message: /devdb/ });
    await e.store.write((w) => w.deleteInstance(job.result?.instance_id as string));
    const rebound = await prepare(e, { psql_args: ['-c', 'select 1'], name: 'devdb' });
    t.match((await e.get('/v1/names/devdb')).json(), {
      instance_id: rebound.job.result?.instance_id,
      status: 'active',
    });
    const planWithName = await e.call('POST', '/v1/prepare-jobs', {
      body: JSON.stringify({
        prepare_kind: 'psql',
        psql_args: ['-c', 'select 1'],
        name: 'x',
        plan_only: true,
      }),
    });
    t.equal(planWithName.status, 400);
  },
);

t.test(
  'a script that hides a meta-command from the scan is refused before anything runs',
  async (t) => {
    const e = await testEngine(t);
    const dir = await tempDir(t);
    const marker = join(dir, 'ran');
    const scripts = {
      gset: `select '\\\\! touch ${marker}' as cmd \\gset\n:cmd\n`,
      error: `\\set ON_ERROR_STOP off\ndo $$ begin raise exception '\\! touch ${marker}'; end $$;\n:LAST_ERROR_MESSAGE\n`,
      conforming: `set standard_conforming_strings = off;\nselect 'a\\' , ' \\! touch ${marker}\n';\n`,
      chained: `\\echo hi \\! touch ${marker}\n`,
      copy: `create temp table t(a text);\ncopy t from stdin;\nit's\n\\.\n\\! touch ${marker}\n`,
      nul: `select '\0';\n' \\! touch ${marker} #';\n`,
      cr: `-- hi\r\\! touch ${marker}\n`,
      dollar: `select 1$$ ' $$; \\! touch ${marker} #'\n`,
      semicolon: `select 1 \\; select '\n' \\! touch ${marker} #';\n`,
      quote: `\\set q ''''\nselect :q;\n' \\! touch ${marker} #';\n`,
      encoding: `set client_encoding = 'SJIS';\nselect 'あ', ' \\! touch ${marker} #';\n`,
    };
    for (const [name, text] of Object.entries(scripts)) {
      const file = join(dir, `${name}.sql`);
      await writeFile(file, text);
      const res = await e.call('POST', '/v1/prepare-jobs', {
        body: JSON.stringify({ prepare_kind: 'psql', psql_args: ['-f', file] }),
      });
      t.equal(res.status, 400, name);
      t.match(
        res.json(),
        { code: 'invalid_argument', message: new RegExp(`^${file}:\\d+: `) },
        name,
      );
    }
    await t.rejects(stat(marker), { code: 'ENOENT' }, 'nothing ran on the host');
  },
);
