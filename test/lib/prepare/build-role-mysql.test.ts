import t from 'tap';
import { accountOf } from '../../../lib/dbms/mysql/accounts.js';
import { type TestEngine, testEngine } from '../../helpers/engine.js';
import {
  mysqlAccounts,
  mysqlQuery,
  mysqlSchemas,
  mysqlOutcome as outcome,
} from '../../helpers/mysql.js';
import { prepare } from '../../helpers/prepare.js';

// build_role restricted on MySQL/MariaDB (docs/mysql.md): each instance and each build has an
// account with privileges on its own schema only.
const RESTRICTED = { build_role: 'restricted' };
const SEED = 'create table t(x int); insert into t values (1); create view v as select x from t';

async function ready(e: TestEngine, ...statements: string[]) {
  const args = statements.flatMap((s) => ['-e', s]);
  const p = await prepare(e, { prepare_kind: 'mysql', image_id: 'mariadb', mysql_args: args });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
  return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
}

/** A schema name spelled so that no text check sees it: CONCAT of its halves. */
const spelled = (db: string) => `CONCAT('${db.slice(0, 3)}', '${db.slice(3)}')`;

t.test('an instance account reaches only its own schema, and no server file', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const b = await ready(e, SEED, 'insert into t values (2)');
  t.not(new URL(b.dsn).username, 'root', 'an instance has an account of its own');
  t.ok(new URL(b.dsn).password);
  t.equal(
    await outcome(b.dsn, 'select * from v', 'alter table t add column y int', 'drop view v'),
    'ok',
  );
  const read = `SET @q = CONCAT('SELECT * FROM ', ${spelled(a.db)}, '.t')`;
  t.match(await outcome(b.dsn, read, 'PREPARE s FROM @q', 'EXECUTE s'), /denied/);
  const drop = `SET @q = CONCAT('DROP DATABASE ', ${spelled(a.db)})`;
  t.match(await outcome(b.dsn, drop, 'PREPARE s FROM @q', 'EXECUTE s'), /denied/);
  t.match(await outcome(b.dsn, `USE ${a.db}`), /denied/);
  t.match(await outcome(b.dsn, "select x from t into outfile '/tmp/sqlrs-outfile-test'"), /denied/);
  t.match(await outcome(b.dsn, "load data infile '/etc/passwd' into table t"), /denied/);
  t.same(await mysqlSchemas(e.store.catalogId).then((s) => s.includes(a.db)), true);
});

t.test('a step reaches only its build schema', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(e, SEED);
  const steal = `SET @q = CONCAT('CREATE TABLE loot AS SELECT * FROM ', ${spelled(a.db)}, '.t')`;
  const p = await prepare(e, {
    prepare_kind: 'mysql',
    image_id: 'mariadb',
    mysql_args: ['-e', `${steal}; PREPARE s FROM @q; EXECUTE s`],
  });
  t.equal(p.job.status, 'failed');
  t.match(p.job.error?.message, /denied/);
  const out = await prepare(e, {
    prepare_kind: 'mysql',
    image_id: 'mariadb',
    mysql_args: ['-e', "select 1 into outfile '/tmp/sqlrs-outfile-step'"],
  });
  t.equal(out.job.status, 'failed');
  t.match(out.job.error?.message, /denied/);
});

t.test('definitions work in the instance; accounts go with their schemas', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const a = await ready(
    e,
    SEED,
    'create procedure p() select count(*) from t',
    'create trigger tr before insert on t for each row set new.x = new.x + 100',
  );
  t.equal(await outcome(a.dsn, 'call p()', 'insert into t values (1)', 'select * from v'), 'ok');
  const c = e.store.catalogId;
  // An account's kind letter follows the catalog prefix: b(uild), s(tate), i(nstance).
  const kinds = async () => (await mysqlAccounts(c)).map((u) => u.charAt(15));
  t.same(
    await kinds(),
    ['i', 's', 's', 's'],
    'the instance account and one per state (its definer); no build account is left',
  );
  t.equal((await e.call('DELETE', `/v1/instances/${a.instance_id}`)).status, 200);
  t.same(await kinds(), ['s', 's', 's'], 'the states keep theirs');
  type State = { state_id: string; parent_state_id: string | null };
  const states = (await e.call('GET', '/v1/states')).json() as State[];
  for (const root of states.filter((s) => s.parent_state_id === null))
    t.equal((await e.call('DELETE', `/v1/states/${root.state_id}?recurse=true`)).status, 200);
  t.same(await mysqlAccounts(c), [], 'and they go with them');
});

t.test('a view on a view survives the publish and the copy', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  // Each view is checked against its definer's rights where it is made: the state's views
  // need a definer with rights on the state.
  const a = await ready(e, `${SEED}; create view vv as select x from v where x > 0`);
  t.equal(await outcome(a.dsn, 'select * from vv', 'insert into t values (2)'), 'ok');
  t.same(await mysqlAccounts(e.store.catalogId).then((u) => u.map((x) => x.charAt(15))), [
    'i',
    's',
  ]);
});

t.test('definitions made under sql_mode ANSI_QUOTES publish and copy', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  // SHOW CREATE then gives their definer as "name"@"host": it is the one replaced.
  const a = await ready(
    e,
    SEED,
    [
      "set sql_mode = 'ANSI_QUOTES'",
      'create procedure p() select count(*) from t',
      'create trigger tr before insert on t for each row set new.x = new.x + 100',
    ].join('; '),
  );
  t.equal(await outcome(a.dsn, 'call p()', 'insert into t values (1)'), 'ok');
  t.same(
    await mysqlQuery<{ d: string }>(
      'SELECT DEFINER AS d FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
      [a.db],
    ),
    [{ d: `${new URL(a.dsn).username}@%` }],
    "the instance's account defines it",
  );
});

t.test(
  'a state built in place: its account defines its code, its events run as no one',
  async (t) => {
    const e = await testEngine(t, { config: RESTRICTED });
    const a = await ready(
      e,
      SEED,
      'create procedure p() select count(*) from t',
      'create event ev on schedule every 1 day disable do insert into t values (9)',
    );
    const state = `${a.db.slice(0, 15)}s_${a.state_id.slice(0, 40)}`;
    const definers = await mysqlQuery<{ k: string; d: string }>(
      `SELECT 'R' AS k, DEFINER AS d FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?
     UNION ALL SELECT 'V', DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT 'E', CONCAT(DEFINER, ' ', STATUS) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?
     ORDER BY k`,
      [state, state, state],
    );
    // The last step's state's: each of the three steps built a state with an account.
    const account = accountOf(state);
    t.ok((await mysqlAccounts(e.store.catalogId)).includes(account));
    const retired = `${account?.slice(0, 15)}b${account?.slice(16)}`;
    t.same(definers, [
      { k: 'E', d: `${retired}@% DISABLED` },
      { k: 'R', d: `${account}@%` },
      { k: 'V', d: `${account}@%` },
    ]);
    t.notOk(
      (await mysqlAccounts(e.store.catalogId)).includes(retired),
      'the events belong to no account',
    );
    const instance = await mysqlQuery<{ d: string }>(
      'SELECT DEFINER AS d FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?',
      [a.db],
    );
    t.same(instance, [{ d: `${new URL(a.dsn).username}@%` }], "an instance's events are its own");
  },
);

t.test('a build failing midway leaves neither its schema nor its account', async (t) => {
  const e = await testEngine(t, { config: RESTRICTED });
  const before = await mysqlAccounts(e.store.catalogId);
  const p = await prepare(e, {
    prepare_kind: 'mysql',
    image_id: 'mariadb',
    mysql_args: ['-e', `${SEED}; create procedure p() select 1; select oops from t`],
  });
  t.equal(p.job.status, 'failed');
  t.same(await mysqlSchemas(e.store.catalogId), [], 'the half-built state is dropped');
  t.same(await mysqlAccounts(e.store.catalogId), before, 'and its account');
  // Two prepares of one state at once: each answers with an instance of the whole state.
  const [a, b] = await Promise.all([ready(e, SEED), ready(e, SEED)]);
  t.equal(a.state_id, b.state_id);
  t.equal(await outcome(a.dsn, 'select * from v'), 'ok');
  t.same(await mysqlQuery(`select x from \`${b.db}\`.v`), [{ x: 1 }]);
});
