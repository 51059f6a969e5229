import { createHash } from 'node:crypto';
import mysql from 'mysql2/promise';
import { invalidArgument } from '../../errors.js';
import { randomHex } from '../../id.js';
import type { BuildRole } from '../../trust.js';
import { assertOwnName, dbKind } from '../names.js';
import { isConnectionLost, serverError } from '../server-errors.js';
import type { DbmsServer } from '../types.js';
import {
  accountOf,
  accountSql,
  checkPassword,
  createAccountSql,
  retiredAccountOf,
} from './accounts.js';
import { cloneSchema, type Definers, moveSchema } from './clone.js';
import { ClonePool } from './clone-pool.js';

const q = (db: string) => `\`${assertOwnName(db)}\``;

/** An event's STATUS as the clause that keeps it. */
const EVENT_STATUS: Record<string, string> = {
  ENABLED: 'ENABLE',
  DISABLED: 'DISABLE',
  SLAVESIDE_DISABLED: 'DISABLE ON SLAVE',
};

/**
 * Connections one schema copy uses at once: each makes tables and definitions in turn, so the
 * server's DDL waits (file creation, flushes) overlap (docs/performance.md, MySQL).
 */
const CLONE_WIDTH = 3;

/**
 * A MySQL / MariaDB server (docs/mysql.md): states and instances are schemas; a copy is a schema
 * clone inside the server (clone.ts). MySQL has no template databases and no RENAME DATABASE,
 * so a build runs in its state's schema, which publishing seals where it is.
 */
export class MysqlServer implements DbmsServer {
  readonly kind = 'mysql' as const;
  readonly buildsInPlace = true;
  private readonly pool: mysql.Pool;
  /** Connections for schema copies, several per copy (docs/mysql.md, The schema clone). */
  private readonly clones: ClonePool;
  /** Restricted: each build schema's account password (accounts.ts). */
  private readonly buildPasswords = new Map<string, string>();

  constructor(
    private readonly url: string,
    readonly access: BuildRole = 'admin',
  ) {
    this.pool = mysql.createPool({ uri: url, connectionLimit: 4, multipleStatements: false });
    this.clones = new ClonePool(url, CLONE_WIDTH);
  }

  private async q<T = Record<string, unknown>[]>(sql: string, params: unknown[] = []): Promise<T> {
    try {
      const [result] = await this.pool.query(sql, params);
      return result as T;
    } catch (err) {
      throw serverError(this.url, err);
    }
  }

  /**
   * A read, asked once more when its connection turns out lost: a connection the server ended a
   * moment ago (KILL, a restart) can still be idle in the pool, its end not yet read off the
   * socket (1 read in 15 right after a KILL, here). Statements that change something are not
   * asked again: whether a lost one took effect cannot be known.
   */
  private async read<T>(sql: string, params: unknown[]): Promise<T> {
    try {
      const [result] = await this.pool.query(sql, params);
      return result as T;
    } catch (err) {
      if (!isConnectionLost(String((err as { code?: unknown }).code)))
        throw serverError(this.url, err);
    }
    return this.q<T>(sql, params);
  }

  async resolve(imageId: string): Promise<string> {
    // MariaDB has no server_uuid: the server's identity is its host, port and data directory.
    const [row] = await this.q<Array<{ v: string; id: string }>>(
      "SELECT VERSION() AS v, CONCAT(@@hostname, ':', @@port, ':', @@datadir) AS id",
    );
    const version = (row?.v ?? '').split('-')[0] as string;
    const tag = imageId.includes(':') ? imageId.slice(imageId.indexOf(':') + 1) : undefined;
    if (tag !== undefined && version !== tag && !version.startsWith(`${tag}.`)) {
      throw invalidArgument(`image ${imageId} wants version ${tag} but the server runs ${version}`);
    }
    const identity = createHash('sha256')
      .update(row?.id ?? '')
      .digest('hex')
      .slice(0, 16);
    return `${imageId}@${version}/${identity}`;
  }

  async createFrom(db: string, parent: string | null): Promise<void> {
    // Restricted: a build schema (its state's, built in place) gets its account (the one its
    // steps run as) before its copy, whose definitions are then defined by it.
    const building = dbKind(db) === 'b' || dbKind(db) === 's';
    const password = this.access === 'restricted' && building ? randomHex(16) : '';
    if (password) this.buildPasswords.set(db, password);
    await this.make(db, parent, password);
  }

  /** Creates `db` (a copy of `parent`); with a password, its account first (accounts.ts). */
  private async make(db: string, parent: string | null, password: string): Promise<void> {
    await this.q(`CREATE DATABASE ${q(db)}${parent ? await this.charsetOf(parent) : ''}`);
    // The account is made while the tables are copied: only the definitions name it.
    const account = password ? this.createAccount(db, password) : Promise.resolve();
    account.catch(() => undefined); // awaited below, whatever the copy does
    const definers: Definers = password
      ? { account: accountSql(accountOf(db)), of: 'all' }
      : undefined;
    try {
      if (parent) {
        const from = assertOwnName(parent);
        await this.clones.with((conns) => cloneSchema(conns, from, db, definers, account));
      }
    } finally {
      await account;
    }
  }

  private async createAccount(db: string, password: string): Promise<void> {
    const [drop, create, grant] = createAccountSql(db) as [string, string, string];
    await this.q(drop);
    await this.q(create, [checkPassword(password)]);
    await this.q(grant);
  }

  private async charsetOf(db: string): Promise<string> {
    const [s] = await this.q<Array<{ cs: string; co: string }>>(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [db],
    );
    return s ? ` CHARACTER SET ${s.cs} COLLATE ${s.co}` : '';
  }

  /**
   * Seals a state built in place (`buildDb` is `stateDb`): restricted, its account (the one the
   * steps ran as, the definer of its views, routines and triggers) gets a password nobody
   * knows, and its events go to an account that does not exist, so nothing changes the state
   * after it was built (docs/mysql.md, Accounts). A build elsewhere is moved in: its tables
   * by one RENAME TABLE, its other objects made again (clone.ts, moveSchema), then dropped.
   */
  async publish(buildDb: string, stateDb: string): Promise<number> {
    if (buildDb === stateDb) await this.seal(stateDb);
    else await this.moveIn(buildDb, stateDb);
    const [row] = await this.q<Array<{ size: string | null }>>(
      'SELECT SUM(DATA_LENGTH + INDEX_LENGTH) AS size FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [stateDb],
    );
    return Number(row?.size ?? 0);
  }

  private async seal(stateDb: string): Promise<void> {
    this.buildPasswords.delete(stateDb);
    if (this.access !== 'restricted') return;
    await this.q(`ALTER USER ${accountSql(accountOf(stateDb))} IDENTIFIED BY ?`, [randomHex(16)]);
    const events = await this.q<Array<{ name: string; status: string }>>(
      'SELECT EVENT_NAME AS name, STATUS AS status FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?',
      [stateDb],
    );
    const retired = accountSql(retiredAccountOf(stateDb));
    // ALTER EVENT needs a clause besides DEFINER: the event's own status, as it is.
    for (const e of events) {
      const name = `${q(stateDb)}.\`${e.name.replaceAll('`', '``')}\``;
      await this.q(
        `ALTER DEFINER = ${retired} EVENT ${name} ${EVENT_STATUS[e.status] ?? 'ENABLE'}`,
      );
    }
  }

  private async moveIn(buildDb: string, stateDb: string): Promise<void> {
    await this.q(`CREATE DATABASE ${q(stateDb)}${await this.charsetOf(buildDb)}`);
    let definers: Definers;
    if (this.access === 'restricted') {
      await this.createAccount(stateDb, randomHex(16));
      definers = { account: accountSql(accountOf(stateDb)), of: 'code' };
    }
    const from = assertOwnName(buildDb);
    await this.clones.with((conns) => moveSchema(conns, from, stateDb, definers));
    await this.drop(buildDb, true);
  }

  async cloneInstance(
    stateDb: string,
    instanceDb: string,
    _sizeBytes: number | null,
    password?: string,
  ): Promise<void> {
    if (this.access === 'restricted' && password === undefined)
      throw new Error('an instance account needs a password');
    await this.make(instanceDb, stateDb, this.access === 'restricted' ? (password as string) : '');
  }

  async drop(db: string, force: boolean): Promise<'dropped' | 'busy'> {
    const sessions = await this.processes(db);
    // DROP DATABASE would wait on a session's metadata locks rather than fail: decide first.
    if (sessions.length > 0 && !force) return 'busy';
    for (const id of sessions) await this.q(`KILL ${Number(id)}`).catch(() => undefined);
    await this.q(`DROP DATABASE IF EXISTS ${q(db)}`);
    if (this.access === 'restricted')
      await this.q(`DROP USER IF EXISTS ${accountSql(accountOf(db))}`);
    this.buildPasswords.delete(db);
    return 'dropped';
  }

  async dropStrayLogins(prefix: string): Promise<string[]> {
    if (this.access !== 'restricted') return [];
    // Accounts first: a schema is made before its account, so an account listed here whose
    // schema the later listing lacks lost it. Listed the other way round, a schema and account
    // made in between (a build running on this or another engine) read as a stray.
    const accounts = await this.q<Array<{ u: string }>>(
      "SELECT User AS u FROM mysql.user WHERE Host = '%' AND LEFT(User, ?) = ?",
      [prefix.length, prefix],
    );
    const kept = new Set((await this.list(prefix)).map((d) => accountOf(d.name)));
    const strays = accounts.map((a) => a.u).filter((u) => !kept.has(u));
    for (const u of strays) await this.q(`DROP USER IF EXISTS ${accountSql(u)}`);
    return strays;
  }

  private async processes(db: string): Promise<number[]> {
    const list = await this.q<Array<{ id: number }>>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
      [db],
    );
    return list.map((r) => r.id);
  }

  async existing(dbs: string[]): Promise<Set<string>> {
    if (dbs.length === 0) return new Set();
    const list = await this.read<Array<{ n: string }>>(
      'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)',
      [dbs],
    );
    return new Set(list.map((r) => r.n));
  }

  async list(prefix: string): Promise<Array<{ name: string; allowConnections: boolean }>> {
    const list = await this.q<Array<{ n: string }>>(
      'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ? ORDER BY SCHEMA_NAME',
      [prefix.length, prefix],
    );
    return list.map((r) => ({ name: r.n, allowConnections: true }));
  }

  async sizes(dbs: string[]): Promise<Map<string, number>> {
    if (dbs.length === 0) return new Map();
    // Schemas without tables have no rows in TABLES: the left join counts them as 0. The
    // names go as one JSON parameter, however many there are.
    const list = await this.q<Array<{ n: string; size: string | number | null }>>(
      `SELECT s.SCHEMA_NAME AS n, SUM(t.DATA_LENGTH + t.INDEX_LENGTH) AS size
         FROM information_schema.SCHEMATA s
         LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
        WHERE s.SCHEMA_NAME IN (SELECT n FROM JSON_TABLE(?, '$[*]' COLUMNS (n VARCHAR(64) PATH '$')) j)
        GROUP BY s.SCHEMA_NAME`,
      [JSON.stringify(dbs)],
    );
    return new Map(list.map((r) => [r.n, Number(r.size ?? 0)]));
  }

  async lockState(stateDb: string): Promise<() => Promise<void>> {
    const conn = await this.pool.getConnection();
    await conn.query('SELECT GET_LOCK(?, -1)', [`sqlrs:${stateDb}`]);
    return async () => {
      await conn.query('SELECT RELEASE_LOCK(?)', [`sqlrs:${stateDb}`]).catch(() => undefined);
      conn.release();
    };
  }

  async cancelQueries(db: string): Promise<void> {
    for (const id of await this.processes(db))
      await this.q(`KILL QUERY ${Number(id)}`).catch(() => undefined);
  }

  async settle(): Promise<void> {
    // The statements of a dead engine die with its connections in MySQL; nothing to wait for.
  }

  /** Conntrack from the process list (docs/mysql.md): the engine never works inside instances. */
  async sessions(dbs: string[]): Promise<Map<string, number>> {
    const counts = new Map(dbs.map((d) => [d, 0]));
    if (dbs.length === 0) return counts;
    const list = await this.q<Array<{ db: string; n: number }>>(
      'SELECT DB AS db, COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB IN (?) AND ID <> CONNECTION_ID() GROUP BY DB',
      [dbs],
    );
    for (const r of list) counts.set(r.db, Number(r.n));
    return counts;
  }

  async allowConnections(): Promise<void> {
    // MySQL cannot refuse connections to one schema; deletes recount sessions instead.
  }

  dsn(db: string, password?: string): string {
    const u = new URL(this.url);
    u.pathname = `/${db}`;
    if (this.access === 'restricted') {
      u.username = accountOf(db);
      u.password = password ?? this.buildPasswords.get(db) ?? '';
    }
    return u.toString();
  }

  toolEnv(): Record<string, string> {
    return {};
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.clones.close()]);
  }
}
