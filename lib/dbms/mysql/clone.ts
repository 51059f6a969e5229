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
 * Copies a schema inside the server (docs/mysql.md, The schema clone): reads every definition
 * in two round trips, then on each of `conns` at once replays tables from SHOW CREATE TABLE
 * with foreign key checks off (indexes, foreign keys, comments, collations and the
 * AUTO_INCREMENT position come with it), each with its rows copied server-side and then its
 * triggers; routines go to whichever connection is free once the tables are taken; then views
 * (in dependency order) and events. References to the source schema are rewritten, and each
 * definition is created under the SQL mode it was defined with. `conns` must allow multiple
 * statements. `definersReady`: the definers' account exists (it is made while the tables are
 * copied).
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
    const code = definers?.account;
    const { sequences, jobs, leftTriggers } = copyJobs(objects, src, dst, code, definersReady);
    // Sequences first: a table whose DEFAULT calls NEXTVAL is refused until its sequence exists.
    await eachOn(conns, sequences, (c, job) => job(c));
    await eachOn(conns, jobs, (c, job) => job(c));
    await definersReady;
    // A trigger whose table was not among those copied (none is expected) is still made.
    await eachOn(conns, leftTriggers, (c, list) => define(c, list, src, dst, code));
    // Views after the routines: a view that calls a function is refused until it exists.
    await createViews(conns, src, dst, objects.views, code);
    await createEvents(conns, objects, src, dst, definers);
  });
}

type CopyJob = (c: Conn) => Promise<void>;

/**
 * A round trip per table (sequences apart, made first): SHOW CREATE gives one statement and
 * every name in the copy is quoted. Its triggers (those of one table together, in the order
 * they fire) come after its rows, so they never fire on the copied rows. Then the routines
 * (those of one name together, a package body after its package): a routine's body is not
 * checked against the schema until it runs, so they fill the connections the last tables
 * leave idle.
 */
function copyJobs(
  objects: SchemaObjects,
  src: string,
  dst: string,
  definer: string | undefined,
  definersReady: Promise<void>,
): { sequences: CopyJob[]; jobs: CopyJob[]; leftTriggers: Definition[][] } {
  const triggers = groupBy(objects.triggers, (t) => t.table ?? '');
  const table = (t: SchemaObjects['tables'][number]) => async (c: Conn) => {
    const list = t.columns.map(q).join(', ');
    const sql = [retarget(t.sql, src, dst)];
    if (t.columns.length > 0)
      sql.push(
        `INSERT INTO ${q(dst)}.${q(t.name)} (${list}) SELECT ${list} FROM ${q(src)}.${q(t.name)}`,
      );
    const own = triggers.get(t.name) ?? [];
    if (own.length > 0) await definersReady;
    await c.query([...sql, ...definitionsSql(own, src, dst, definer)].join(';\n'));
  };
  const routines = [...groupBy(objects.routines, (r) => r.name.toLowerCase()).values()].map(
    (list) => async (c: Conn) => {
      await definersReady;
      await define(c, list, src, dst, definer);
    },
  );
  const tableNames = new Set(objects.tables.map((t) => t.name));
  const leftTriggers = [...triggers].flatMap(([table, list]) =>
    tableNames.has(table) ? [] : [list],
  );
  return {
    sequences: objects.tables.filter((t) => t.sequence).map(table),
    jobs: [...objects.tables.filter((t) => !t.sequence).map(table), ...routines],
    leftTriggers,
  };
}

/**
 * The statements that make `list` in `dst`, each under the SQL mode it was defined with (the
 * server parses each statement of a multi-statement query after running the one before), then
 * the copy's own mode back (`@sqlrs_copy_mode`, set by `within`).
 */
function definitionsSql(list: Definition[], src: string, dst: string, definer?: string) {
  if (list.length === 0) return [];
  return [
    ...list.flatMap((d) => [
      format('SET SESSION sql_mode = ?', [d.sqlMode ?? '']),
      retarget(d.sql, src, dst, definer),
    ]),
    'SET SESSION sql_mode = @sqlrs_copy_mode',
  ];
}

/** Makes `list` in `dst` in one round trip (definitionsSql). */
async function define(c: Conn, list: Definition[], src: string, dst: string, definer?: string) {
  await c.query(definitionsSql(list, src, dst, definer).join(';\n'));
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
 * Runs `fn` with every connection in `dst`, foreign key checks off and the server's default
 * sql_mode (not whatever mode a connection was left in) with a 0 in an AUTO_INCREMENT column
 * kept as 0 (a row mysqldump's dumps load so would be numbered anew by the row copy); restores
 * all three after.
 */
async function within(conns: Conn[], dst: string, fn: () => Promise<void>) {
  try {
    await allEnded(
      conns.map((c) =>
        c.query(
          `SET SESSION foreign_key_checks = 0; SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), 'NO_AUTO_VALUE_ON_ZERO'); SET @sqlrs_copy_mode = @@SESSION.sql_mode; USE ${q(dst)}`,
        ),
      ),
    );
    await fn();
  } finally {
    // Leave the schema: a pooled connection sitting in it would count as a session on it.
    await allEnded(
      conns.map((c) =>
        c.query(
          'SET SESSION foreign_key_checks = 1; SET SESSION sql_mode = DEFAULT; USE information_schema',
        ),
      ),
    );
  }
}

/** Waits for every promise to end, then throws the first failure, if one failed. */
async function allEnded(promises: Array<Promise<unknown>>): Promise<void> {
  const ended = await Promise.allSettled(promises);
  const first = ended.find((e) => e.status === 'rejected');
  if (first) throw first.reason;
}

/**
 * Items taken in turn by one worker per connection. After a failure no item is started, and
 * the first failure is thrown once every item started has ended: nothing of the copy may reach
 * a connection after it is handed back (an item waiting for its definers' account would
 * otherwise send its SQL, and its sql_mode, on a connection another copy has taken).
 */
async function eachOn<T>(conns: Conn[], items: T[], fn: (c: Conn, item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  await allEnded(
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
  const make = (definer?: string) => (c: Conn, list: Definition[]) =>
    define(c, list, src, dst, definer);
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
  const views = createViews([first], src, dst, objects.views, code);
  if (rest.length === 0) await views;
  const made = eachOn(rest.length > 0 ? rest : conns, triggers, make(code));
  await allEnded([views, made]);
  await createEvents(conns, objects, src, dst, definers);
}

/** Events last: one that runs at once finds everything else made. */
async function createEvents(
  conns: Conn[],
  objects: SchemaObjects,
  src: string,
  dst: string,
  definers: Definers,
) {
  const definer = definers?.of === 'all' ? definers.account : undefined;
  await eachOn(conns, objects.events, (c, e) => define(c, [e], src, dst, definer));
}

/** `items` in lists of one key each, in the order given. */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/**
 * Views may use views: each round makes, on every connection at once, the views that name no
 * view still to be made (SHOW CREATE VIEW names every object it uses as `schema`.`name`), and
 * those that fail wait for the next round. A round that makes nothing tries every view left,
 * and only a round over every view left that makes nothing fails.
 */
async function createViews(
  conns: Conn[],
  src: string,
  dst: string,
  views: Definition[],
  definer?: string,
) {
  if (views.length === 0) return;
  // Under the server's default mode, not that of the definition a connection made last.
  await allEnded(conns.map((c) => c.query('SET SESSION sql_mode = DEFAULT')));
  const uses = namedObjects(views, src);
  let pending = views;
  let byNames = true;
  while (pending.length > 0) {
    const left = new Set(pending.map((v) => v.name));
    const waits = (v: Definition) =>
      [...(uses.get(v) ?? [])].some((n) => n !== v.name && left.has(n));
    const ready = byNames ? pending.filter((v) => !waits(v)) : [];
    const round = ready.length > 0 ? ready : pending;
    const failed = new Set<Definition>();
    let lastError: unknown;
    await eachOn(conns, round, async (c, v) => {
      await c.query(retarget(v.sql, src, dst, definer)).catch((err: unknown) => {
        failed.add(v);
        lastError = err;
      });
    });
    if (failed.size === round.length) {
      if (round === pending) throw lastError;
      byNames = false;
    }
    pending = pending.filter((v) => !round.includes(v) || failed.has(v));
  }
}

/** The names each definition gives as `src`.`name`, read once from its text. */
function namedObjects(list: Definition[], src: string): Map<Definition, Set<string>> {
  const prefix = q(src).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = new RegExp(`${prefix}\\.\`((?:[^\`]|\`\`)*)\``, 'g');
  return new Map(
    list.map((d) => [
      d,
      new Set([...d.sql.matchAll(named)].map((m) => (m[1] ?? '').replaceAll('``', '`'))),
    ]),
  );
}
