import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import t, { type Test } from 'tap';
import { cloneSchema, moveSchema } from '../../../../lib/dbms/mysql/clone.js';
import { ClonePool } from '../../../../lib/dbms/mysql/clone-pool.js';
import { newCatalogId } from '../../../../lib/id.js';
import { splitStatements } from '../../../../lib/mysql/splitter.js';
import { MYSQL_URL, mysqlQuery } from '../../../helpers/mysql.js';

const FIXTURE = fileURLToPath(
  new URL('../../../../../test/fixtures/mysql/every-kind.sql', import.meta.url),
);

/** Uniquely named schemas of a fresh catalog, dropped at the end of the test. */
function schemas(t: Test) {
  const prefix = `sqlrs_${newCatalogId()}_`;
  const made: string[] = [];
  t.teardown(async () => {
    for (const s of made) await mysqlQuery(`DROP DATABASE IF EXISTS \`${s}\``);
  });
  return async (kind: string) => {
    const name = `${prefix}${kind}_${made.length}`;
    made.push(name);
    await mysqlQuery(`CREATE DATABASE \`${name}\``);
    return name;
  };
}

/** A pool of `width` copy connections and a source and a target schema, gone at the end. */
async function copyCase(t: Test, width = 3) {
  const make = schemas(t);
  const pool = new ClonePool(MYSQL_URL, width);
  t.teardown(() => pool.close());
  return { pool, src: await make('s'), dst: await make('i') };
}

/** Statements run in `db` one by one, each on a connection of its own. */
async function runIn(db: string, statements: string[]) {
  for (const sql of statements) await mysqlQuery(sql, [], db);
}

/** The fixture loaded into `db`, statement by statement, as a step would run it. */
async function load(db: string, extra: string[] = []) {
  const c = await mysql.createConnection({ uri: MYSQL_URL, database: db });
  try {
    const pieces = splitStatements(await readFile(FIXTURE, 'utf8'));
    for (const p of pieces) if (p.kind === 'statement') await c.query(p.sql);
    for (const sql of extra) await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Every object's SHOW CREATE, its schema's name written as `<db>`, and each table's rows. */
async function describe(db: string) {
  const c = await mysql.createConnection({ uri: MYSQL_URL, database: db });
  try {
    const out: Record<string, unknown> = {};
    const list = async (sql: string) =>
      ((await c.query(sql, [db]))[0] as Array<{ n: string; k: string }>).map((r) => [r.k, r.n]);
    const objects = [
      ...(await list(
        "SELECT IF(TABLE_TYPE = 'VIEW', 'VIEW', 'TABLE') AS k, TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
      )),
      ...(await list(
        'SELECT ROUTINE_TYPE AS k, ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
      )),
      ...(await list(
        "SELECT 'TRIGGER' AS k, TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?",
      )),
      ...(await list(
        "SELECT 'EVENT' AS k, EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?",
      )),
    ].sort();
    for (const [kind, name] of objects) {
      const [[row]] = (await c.query(`SHOW CREATE ${kind} \`${name}\``)) as [
        Array<Record<string, unknown>>,
        unknown,
      ];
      const { Created: _c, ...kept } = row as Record<string, unknown>; // a trigger's creation time
      // An event's STARTS is the moment it was made: two schemas loaded apart differ there.
      const text = JSON.stringify(kept).replaceAll(db, '<db>');
      out[`${kind} ${name}`] = JSON.parse(text.replace(/STARTS '[^']*'/g, "STARTS '<made>'"));
      if (kind === 'TABLE') out[`rows ${name}`] = (await c.query(`SELECT * FROM \`${name}\``))[0];
    }
    return out;
  } finally {
    await c.end();
  }
}

const EXTRA = [
  // A trigger order to keep, and a table with no rows.
  'CREATE TRIGGER child_first BEFORE INSERT ON child FOR EACH ROW SET NEW.qty = NEW.qty + 0',
  'CREATE TRIGGER child_second BEFORE INSERT ON child FOR EACH ROW FOLLOWS child_first SET NEW.qty = NEW.qty * 1',
  'CREATE TABLE empty_one (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent (id))',
];

t.test('a copy carries every object as SHOW CREATE shows it', async (t) => {
  const { pool, src, dst } = await copyCase(t);
  await load(src, EXTRA);
  await pool.with((conns) => cloneSchema(conns, src, dst));
  t.same(
    await describe(dst),
    await describe(src),
    'tables, rows, views, routines, triggers, events',
  );
  const [procs] = (await mysql.createConnection({ uri: MYSQL_URL }).then(async (c) => {
    const r = await c.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ?',
      [dst],
    );
    await c.end();
    return r;
  })) as [Array<{ n: number }>, unknown];
  t.equal(Number(procs[0]?.n), 0, 'no connection of the copy is left in it');
});

t.test('a move carries every object and leaves the source without tables', async (t) => {
  const make = await schemas(t);
  const pool = new ClonePool(MYSQL_URL, 3);
  t.teardown(() => pool.close());
  const [build, reference, state] = [await make('b'), await make('r'), await make('s')];
  await load(build, EXTRA);
  await load(reference, EXTRA);
  await pool.with((conns) => moveSchema(conns, build, state));
  t.same(await describe(state), await describe(reference), 'as if it had been built there');
  t.same(
    await mysqlQuery('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [
      build,
    ]).then((r) => r.filter((x) => !/^(parent_names|big_parents)$/.test(String(x.TABLE_NAME)))),
    [],
    'no table is left behind',
  );
  // The moved tables keep their AUTO_INCREMENT position and enforce their foreign keys.
  await mysqlQuery(`INSERT INTO \`${state}\`.parent (name) VALUES ('Edsger')`);
  t.same(await mysqlQuery(`SELECT id FROM \`${state}\`.parent WHERE name = 'Edsger'`), [{ id: 4 }]);
  await t.rejects(mysqlQuery(`INSERT INTO \`${state}\`.child (parent_id) VALUES (99)`), {
    code: 'ER_NO_REFERENCED_ROW_2',
  });
});

t.test('a copy that fails part-way throws the server error', async (t) => {
  const { pool, src, dst } = await copyCase(t, 2);
  await load(src);
  await mysqlQuery(`CREATE TABLE \`${dst}\`.parent (x INT)`); // in the way of the copy's own
  await t.rejects(
    pool.with((conns) => cloneSchema(conns, src, dst)),
    // Whichever of its connections meets the table first: that one, or a foreign key to it.
    { code: /^ER_(TABLE_EXISTS_ERROR|CANT_CREATE_TABLE)$/ },
  );
  t.same(await pool.with(async (conns) => conns.length), 2, 'its connections are handed back');
});

t.test('a move and a copy carry packages, their body made after their specification', async (t) => {
  // MariaDB's packages (sql_mode ORACLE) are routines of two parts: PACKAGE, then PACKAGE BODY,
  // which cannot be made before the first.
  const make = await schemas(t);
  const pool = new ClonePool(MYSQL_URL, 3);
  t.teardown(() => pool.close());
  const [build, state, instance] = [await make('b'), await make('s'), await make('i')];
  const packages = [
    "SET sql_mode = 'ORACLE'",
    'CREATE PACKAGE pk AS FUNCTION answer RETURN INT; END',
    'CREATE PACKAGE BODY pk AS FUNCTION answer RETURN INT AS BEGIN RETURN 42; END; END',
    'CREATE PACKAGE zz AS FUNCTION one RETURN INT; END',
    'CREATE PACKAGE BODY ZZ AS FUNCTION one RETURN INT AS BEGIN RETURN pk.answer() - 41; END; END',
    'SET sql_mode = DEFAULT',
  ];
  await load(build, packages);
  const reference = await describe(build);
  await pool.with((conns) => moveSchema(conns, build, state));
  t.same(await describe(state), reference, 'the state has both packages whole');
  for (let i = 0; i < 3; i++) {
    await mysqlQuery(`DROP DATABASE \`${instance}\``);
    await mysqlQuery(`CREATE DATABASE \`${instance}\``);
    await pool.with((conns) => cloneSchema(conns, state, instance));
    t.same(await describe(instance), reference, `copy ${i + 1} has both packages whole`);
  }
  const c = await mysql.createConnection({ uri: MYSQL_URL, database: instance });
  t.teardown(() => c.end());
  await c.query("SET sql_mode = 'ORACLE'");
  t.same((await c.query('SELECT zz.one() AS n'))[0], [{ n: 1 }], 'and they run');
});

t.test("a copy of a MERGE table shows its tables' rows once", async (t) => {
  // A MERGE table holds no rows of its own: copying its rows would write them again into
  // the last of its tables.
  const { pool, src, dst } = await copyCase(t);
  await load(src, [
    'CREATE TABLE part1 (a INT) ENGINE=MyISAM',
    'CREATE TABLE part2 (a INT) ENGINE=MyISAM',
    'INSERT INTO part1 VALUES (1)',
    'INSERT INTO part2 VALUES (2)',
    'CREATE TABLE parts (a INT) ENGINE=MRG_MyISAM UNION=(part1, part2) INSERT_METHOD=LAST',
  ]);
  await pool.with((conns) => cloneSchema(conns, src, dst));
  t.same(await describe(dst), await describe(src), 'every table has the rows it had');
});

t.test('a row whose AUTO_INCREMENT key is 0 keeps it in the copy', async (t) => {
  // mysqldump's dumps load under NO_AUTO_VALUE_ON_ZERO: a row with id 0 is a row like any
  // other, and a copy that inserted it under the server's default mode would number it anew.
  const { pool, src, dst } = await copyCase(t);
  const c = await mysql.createConnection({ uri: MYSQL_URL, database: src });
  await c.query("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'");
  await c.query('CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)');
  await c.query("INSERT INTO t VALUES (0, 'zero'), (1, 'one')");
  await c.end();
  await pool.with((conns) => cloneSchema(conns, src, dst));
  t.same(await mysqlQuery(`SELECT id, v FROM \`${dst}\`.t ORDER BY v`), [
    { id: 1, v: 'one' },
    { id: 0, v: 'zero' },
  ]);
});

t.test('a view that calls a function of its schema is copied and moved', async (t) => {
  // CREATE VIEW checks that the functions it calls exist: they are made first. Many functions
  // before the one called, so that a view made alongside them would come too early.
  const make = await schemas(t);
  const pool = new ClonePool(MYSQL_URL, 3);
  t.teardown(() => pool.close());
  const [src, dst, moved] = [await make('s'), await make('i'), await make('m')];
  const fns = Array.from({ length: 30 }, (_, i) => `f${String(i).padStart(2, '0')}`);
  for (const [i, f] of fns.entries())
    await mysqlQuery(`CREATE FUNCTION \`${f}\`() RETURNS INT DETERMINISTIC RETURN ${i}`, [], src);
  await mysqlQuery('CREATE VIEW v AS SELECT f29() AS y', [], src);
  await pool.with((conns) => cloneSchema(conns, src, dst));
  t.same(await mysqlQuery(`SELECT y FROM \`${dst}\`.v`), [{ y: 29 }], 'copied');
  await pool.with((conns) => moveSchema(conns, src, moved));
  t.same(await mysqlQuery(`SELECT y FROM \`${moved}\`.v`), [{ y: 29 }], 'moved');
});

t.test('views on views are copied whatever order their names sort in', async (t) => {
  // Each round makes the views that name no view still to be made, on every connection at once.
  const { pool, src, dst } = await copyCase(t);
  await runIn(src, [
    'CREATE TABLE t (x INT)',
    'INSERT INTO t VALUES (1), (2)',
    'CREATE VIEW z_base AS SELECT x FROM t',
    'CREATE VIEW `m``mid` AS SELECT x * 10 AS x FROM z_base',
    'CREATE VIEW a_top AS SELECT SUM(x) AS s FROM `m``mid`',
    'CREATE VIEW b_side AS SELECT COUNT(*) AS n FROM z_base',
  ]);
  // Strings that name views as uses do (two naming each other) only order the rounds.
  const named = (v: string) => `'see \`${src}\`.\`${v}\`'`;
  await mysqlQuery(`CREATE VIEW c_quote AS SELECT ${named('d_quote')} AS note FROM t`, [], src);
  await mysqlQuery(`CREATE VIEW d_quote AS SELECT ${named('c_quote')} AS note`, [], src);
  await pool.with((conns) => cloneSchema(conns, src, dst));
  t.same(await mysqlQuery(`SELECT s FROM \`${dst}\`.a_top`), [{ s: '30' }]);
  t.same(await mysqlQuery(`SELECT n FROM \`${dst}\`.b_side`), [{ n: 2 }]);
  t.same(await mysqlQuery(`SELECT COUNT(*) AS n FROM \`${dst}\`.c_quote`), [{ n: 2 }]);
  t.same(await mysqlQuery(`SELECT COUNT(*) AS n FROM \`${dst}\`.d_quote`), [{ n: 1 }]);
});

t.test('a view that cannot be made fails the copy with the server error', async (t) => {
  const { pool, src, dst } = await copyCase(t);
  await runIn(src, [
    'CREATE TABLE gone (x INT)',
    'CREATE VIEW fine AS SELECT 1 AS one',
    'CREATE VIEW broken AS SELECT x FROM gone',
    'DROP TABLE gone',
  ]);
  await t.rejects(
    pool.with((conns) => cloneSchema(conns, src, dst)),
    {
      code: /^ER_(NO_SUCH_TABLE|VIEW_INVALID)$/,
    },
  );
});

t.test('a copy that fails sends nothing once its connections are handed back', async (t) => {
  // Two tables and a routine on three connections: the routine waits for its definers' account
  // while the second table fails. The copy ends only after the routine's round trip, so its
  // ORACLE sql_mode never reaches the next copy (where it would make DATE a DATETIME).
  const make = await schemas(t);
  const pool = new ClonePool(MYSQL_URL, 3);
  t.teardown(() => pool.close());
  const [src, dst, next, into] = [
    await make('s'),
    await make('i'),
    await make('s'),
    await make('i'),
  ];
  const c = await mysql.createConnection({ uri: MYSQL_URL, database: src });
  for (const sql of [
    'CREATE TABLE a_fine (x INT)',
    'CREATE TABLE b_in_the_way (x INT)',
    "SET sql_mode = 'ORACLE'",
    'CREATE PROCEDURE p1 AS BEGIN NULL; END',
  ])
    await c.query(sql);
  await c.end();
  await mysqlQuery(`CREATE TABLE \`${dst}\`.b_in_the_way (y INT)`); // in the way of the copy's own
  let ready = () => {};
  const account = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const copy = pool.with((conns) => cloneSchema(conns, src, dst, undefined, account));
  let ended = false;
  copy.then(
    () => undefined,
    () => {
      ended = true;
    },
  );
  await new Promise((r) => setTimeout(r, 500));
  t.equal(ended, false, 'the failed copy waits for the routine it started');
  ready();
  await t.rejects(copy, { code: 'ER_TABLE_EXISTS_ERROR' });
  for (const n of ['t1', 't2', 't3', 't4'])
    await mysqlQuery(`CREATE TABLE ${n} (d DATE)`, [], next);
  await pool.with((conns) => cloneSchema(conns, next, into));
  const types = await mysqlQuery<{ t: string }>(
    'SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
    [into],
  );
  t.same(
    types.map((r) => r.t),
    ['date', 'date', 'date', 'date'],
    'the next copy is made under the default mode',
  );
});

t.test('a table whose default takes the next value of a sequence is copied', async (t) => {
  // Sequences are made first: the table's name sorts before its sequence's.
  const { pool, src, dst } = await copyCase(t);
  await runIn(src, [
    'CREATE SEQUENCE zseq',
    'CREATE TABLE a (id INT DEFAULT NEXTVAL(zseq), v INT)',
    'INSERT INTO a (v) VALUES (1), (2)',
  ]);
  await pool.with((conns) => cloneSchema(conns, src, dst));
  await mysqlQuery('INSERT INTO a (v) VALUES (3)', [], dst);
  const rows = await mysqlQuery<{ id: number; v: number }>(
    'SELECT id, v FROM a ORDER BY v',
    [],
    dst,
  );
  t.same(
    rows.map((r) => r.v),
    [1, 2, 3],
    'its rows, and a new one',
  );
  t.same(
    rows.slice(0, 2).map((r) => r.id),
    [1, 2],
    'the copied rows keep their numbers',
  );
  t.ok(Number(rows[2]?.id) > 2, 'a new row takes a number from the copy of the sequence');
  const [src2] = await mysqlQuery<{ n: number }>('SELECT COUNT(*) AS n FROM a', [], src);
  t.equal(Number(src2?.n), 2, 'the source is untouched');
});
