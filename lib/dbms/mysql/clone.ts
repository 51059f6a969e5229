import { format } from 'mysql2';
import { withDefiner } from './accounts.js';
import { type Conn, type Definition, q, readSchema, type SchemaObjects } from './schema-objects.js';

/**
 * Definers of the definitions made in the target: `all` sets every definition's DEFINER (an
 * instance's account); `code` sets those of views, routines and triggers and keeps events'
 * as defined (a state's account: an event left to its build's dropped account never runs,
 * so nothing changes a state after it was built; docs/mysql.md).
 */
export type Definers = { account: string; of: 'all' | 'code' } | undefined;

/**
 * `src`. references in a definition become `dst`. (views, routines, triggers, events); with a
 * `definer`, that becomes its DEFINER.
 */
function retarget(sql: string, src: string, dst: string, definer?: string): string {
  const moved = sql.replaceAll(`${q(src)}.`, `${q(dst)}.`);
  return definer === undefined ? moved : withDefiner(moved, definer);
}

/**
 * Copies a schema inside the server (docs/mysql.md): reads every definition in two round
 * trips, then on each of `conns` at once replays tables from SHOW CREATE TABLE with foreign key
 * checks off (indexes, foreign keys, comments, collations and the AUTO_INCREMENT position come
 * with it) and copies their rows server-side; then views (in dependency order), routines,
 * triggers and events with their references to the source schema rewritten, each created
 * under the SQL mode it was defined with. `conns` must allow multiple statements.
 * `definersReady`: the definers' account exists (it is made while the tables are copied).
 */
export async function cloneSchema(
  conns: Conn[],
  src: string,
  dst: string,
  definers?: Definers,
  definersReady: Promise<void> = Promise.resolve(),
): Promise<void> {
  await within(conns, dst, async () => {
    const objects = await readSchema(conns[0] as Conn, src);
    // A table and its rows in one round trip: SHOW CREATE gives one statement, every name in
    // the copy is quoted.
    await eachOn(conns, objects.tables, async (c, t) => {
      const list = t.columns.map(q).join(', ');
      const rows = `INSERT INTO ${q(dst)}.${q(t.name)} (${list}) SELECT ${list} FROM ${q(src)}.${q(t.name)}`;
      const create = retarget(t.sql, src, dst);
      await c.query(t.columns.length === 0 ? create : `${create};\n${rows}`);
    });
    await definersReady;
    await createDefinitions(conns, objects, src, dst, definers);
  });
}

/**
 * Moves a schema's tables into `dst` and makes its other objects there (a publish: the source
 * is dropped afterwards). Tables go by one `RENAME TABLE`, rows, indexes and foreign keys with
 * them, without copying a row; triggers are dropped first (a table with triggers cannot change
 * schema) and made again in `dst` with the views, routines and events. `conns[0]` must allow
 * multiple statements.
 */
export async function moveSchema(
  conns: Conn[],
  src: string,
  dst: string,
  definers?: Definers,
): Promise<void> {
  const c = conns[0] as Conn;
  await within(conns, dst, async () => {
    const objects = await readSchema(c, src);
    if (objects.triggers.length > 0)
      await c.query(objects.triggers.map((t) => `DROP TRIGGER ${q(src)}.${q(t.name)}`).join(';\n'));
    if (objects.tables.length > 0)
      await c.query(
        `RENAME TABLE ${objects.tables.map((t) => `${q(src)}.${q(t.name)} TO ${q(dst)}.${q(t.name)}`).join(', ')}`,
      );
    await createDefinitions(conns, objects, src, dst, definers);
  });
}

/**
 * Runs `fn` with every connection in `dst`, foreign key checks off and a 0 in an
 * AUTO_INCREMENT column kept as 0 (a row mysqldump's dumps load so would be numbered anew by
 * the row copy); restores all three after.
 */
async function within(conns: Conn[], dst: string, fn: () => Promise<void>) {
  for (const c of conns)
    await c.query(
      `SET SESSION foreign_key_checks = 0; SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO'); USE ${q(dst)}`,
    );
  try {
    await fn();
  } finally {
    // Leave the schema: a pooled connection sitting in it would count as a session on it.
    for (const c of conns)
      await c.query(
        'SET SESSION foreign_key_checks = 1; SET SESSION sql_mode = DEFAULT; USE information_schema',
      );
  }
}

/** Items taken in turn by one worker per connection; the first failure is thrown. */
async function eachOn<T>(conns: Conn[], items: T[], fn: (c: Conn, item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  await Promise.all(
    conns.map(async (c) => {
      while (!failed && next < items.length) {
        const item = items[next++] as T;
        try {
          await fn(c, item);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
}

async function createDefinitions(
  conns: Conn[],
  objects: SchemaObjects,
  src: string,
  dst: string,
  definers: Definers,
) {
  const code = definers?.account;
  const events = definers?.of === 'all' ? definers.account : undefined;
  // Each definition under its own SQL mode, set just before it in the same round trip: the
  // server parses each statement of a multi-statement query after running the one before.
  const make = (definer?: string) => async (c: Conn, list: Definition[]) => {
    const sql = list.flatMap((d) => [
      format('SET SESSION sql_mode = ?', [d.sqlMode ?? '']),
      retarget(d.sql, src, dst, definer),
    ]);
    await c.query(sql.join(';\n'));
  };
  // One connection's session mode is set per definition, so each goes whole to one worker;
  // the routines of one name stay together (a package body needs its package), and so do
  // the triggers of one table, made in the order they fire.
  // Routines first: a view that calls a function is refused until the function exists, while a
  // routine's body is not checked against the schema until it runs.
  await eachOn(
    conns,
    [...groupBy(objects.routines, (r) => r.name.toLowerCase()).values()],
    make(code),
  );
  // Views on the first connection (under the default mode) while the others make triggers,
  // whose bodies are not checked either.
  const triggers = [...groupBy(objects.triggers, (t) => t.table ?? '').values()];
  const [first, ...rest] = conns as [Conn, ...Conn[]];
  const views = createViews(first, src, dst, objects.views, code);
  if (rest.length === 0) await views;
  const made = eachOn(rest.length > 0 ? rest : conns, triggers, make(code));
  await Promise.all([views, made]);
  await eachOn(
    conns,
    objects.events.map((e) => [e]),
    make(events),
  );
}

/** `items` in lists of one key each, in the order given. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** Views may use views: create those whose dependencies exist, until none is left. */
async function createViews(
  conn: Conn,
  src: string,
  dst: string,
  views: Definition[],
  definer?: string,
) {
  // Under the server's default mode, not that of the routine this connection made last.
  if (views.length > 0) await conn.query('SET SESSION sql_mode = DEFAULT');
  let pending = views;
  while (pending.length > 0) {
    const failed: Definition[] = [];
    let lastError: unknown;
    for (const v of pending) {
      try {
        await conn.query(retarget(v.sql, src, dst, definer));
      } catch (err) {
        failed.push(v);
        lastError = err;
      }
    }
    if (failed.length === pending.length) throw lastError;
    pending = failed;
  }
}
