import pg from 'pg';
import { endPgSessions, pgSessionCounts, type Queryable } from '../../conntrack/postgres.js';
import { invalidArgument } from '../../errors.js';
import { randomHex } from '../../id.js';
import type { BuildRole } from '../../trust.js';
import { assertOwnName, dbKind } from '../names.js';
import { isPgConnectionLost, serverError } from '../server-errors.js';
import type { CopyHow, DbmsServer } from '../types.js';
import { AdvisoryLocks } from './advisory-locks.js';
import { DbSettings, hasSettingsSql, type SettingsScope } from './db-settings.js';
import { Logins } from './logins.js';
import { Probe } from './probe.js';
import { type CloneStrategy, chooseStrategy } from './strategy.js';
import { TimedClient } from './timed-client.js';

export { advisoryKey } from './advisory-locks.js';

/**
 * The engine's own sessions are named `sqlrs-engine:<catalog>:<engine id>` (the process id when
 * no engine id is given): conntrack leaves them out, and after a crash the next engine of the
 * same catalog can wait for what its dead predecessor left running on the server (a DROP or
 * CREATE DATABASE goes on without its client), and for no live engine's statements.
 */
export const appName = (catalogId: string, owner: string | number = process.pid) =>
  `sqlrs-engine:${catalogId}:${owner}`;

/** How a PostgresServer works; every field has a default (a local admin engine's). */
export interface PostgresServerOptions {
  /** WAL_LOG or FILE_COPY for clones, or chosen by size (strategy.ts). */
  strategy?: CloneStrategy;
  /** The catalog whose databases, roles and lock keys this server object makes. */
  catalogId?: string;
  /** Above this state size `auto` clones with FILE_COPY. */
  fileCopyBytes?: number;
  /** How long an idle DDL connection is kept. */
  idleTimeoutMillis?: number;
  /** Whose credentials builds and instances use (docs/security.md). */
  access?: BuildRole;
  /** The catalog's secret for advisory lock keys (advisory-locks.ts). */
  lockSecret?: string;
  /** The engine's id, which names its sessions (appName). */
  engineId?: string;
}

/**
 * A PostgreSQL server: states are sealed template databases, instances are
 * `CREATE DATABASE ... TEMPLATE` copies (docs/prepare.md). DDL runs on a small pool of
 * connections to the URL's maintenance database.
 */
export class PostgresServer implements DbmsServer {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly target: URL;

  private readonly appName: string;
  private readonly locks: AdvisoryLocks;
  private readonly probe: Probe;
  private readonly settings: DbSettings;
  private readonly settingsScope: SettingsScope;
  /** Restricted only: the roles (logins.ts), and each build database's login password. */
  private readonly logins: Logins | undefined;
  private readonly buildPasswords = new Map<string, string>();

  private readonly strategy: CloneStrategy;
  private readonly catalogId: string;
  private readonly fileCopyBytes: number | undefined;
  readonly access: BuildRole;

  constructor(
    private readonly url: string,
    opts: PostgresServerOptions = {},
  ) {
    const catalogId = opts.catalogId ?? '00000000';
    const access = opts.access ?? 'admin';
    const idleTimeoutMillis = opts.idleTimeoutMillis ?? 10_000;
    const lockSecret = opts.lockSecret ?? '';
    this.strategy = opts.strategy ?? 'auto';
    this.catalogId = catalogId;
    this.fileCopyBytes = opts.fileCopyBytes;
    this.access = access;
    this.appName = appName(catalogId, opts.engineId);
    if (access === 'restricted') this.logins = new Logins(catalogId, (sql) => this.q(sql));
    // A restricted engine copies only the settings its own role can make (db-settings.ts).
    this.settingsScope = access === 'restricted' ? 'database' : 'all';
    this.settings = new DbSettings((sql, params) => this.q(sql, params), this.settingsScope);
    this.target = new URL(url);
    this.pool = new pg.Pool({
      connectionString: url,
      max: 4,
      // One connection outlives idleness: a new backend's first dozen clones are up to twice as
      // slow (it faults in the shared buffers it copies through; docs/performance.md), so the
      // first prepare after a pause in a test suite would pay that again.
      min: 1,
      application_name: this.appName,
      idleTimeoutMillis,
      Client: TimedClient,
    });
    this.pool.on('error', () => undefined); // an idle client dying is not the engine's problem
    const connect = () => this.connectClient();
    this.locks = new AdvisoryLocks(connect, lockSecret);
    this.probe = new Probe(connect);
  }

  /** A connection outside the pool, named like the pool's (conntrack leaves it out). */
  private async connectClient(): Promise<pg.Client> {
    const client = new TimedClient({ connectionString: this.url, application_name: this.appName });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw serverError(this.url, err);
    }
    return client;
  }

  private async q<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
    try {
      return await this.pool.query<T>(sql, params);
    } catch (err) {
      throw serverError(this.url, err);
    }
  }

  /**
   * A short read on the probe's connection when it is open (probe.ts), else on the pool. Should
   * the probe fail (its connection lost, say), the pool answers: a read is safe to ask again.
   * So it is once more when the pool's connection turns out lost too: a connection the server
   * ended a moment ago can still be idle in the pool, its end not yet read off the socket, and
   * the pool drops it only on that error (seen once in CI, right after the server ended both).
   */
  private async read<T extends pg.QueryResultRow>(sql: string, params: unknown[]) {
    const probe = this.probe.client();
    if (probe) {
      try {
        return await probe.query<T>(sql, params);
      } catch {
        // The pool's answer, or its error, stands.
      }
    }
    try {
      return await this.pool.query<T>(sql, params);
    } catch (err) {
      if (!isPgConnectionLost(err)) throw serverError(this.url, err);
    }
    return this.q<T>(sql, params);
  }

  async resolve(imageId: string): Promise<string> {
    const { rows } = await this.q<{ num: string; version: string; sysid: string | null }>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
        (SELECT system_identifier::text FROM pg_control_system()) AS sysid`,
    );
    const row = rows[0] as { num: string; version: string; sysid: string | null };
    const version = row.version.split(' ')[0] as string;
    const major = String(Math.floor(Number(row.num) / 10000));
    const tag = imageId.includes(':') ? imageId.slice(imageId.indexOf(':') + 1) : undefined;
    if (tag !== undefined && tag !== major && !version.startsWith(`${tag}.`) && tag !== version) {
      throw invalidArgument(`image ${imageId} wants version ${tag} but the server runs ${version}`);
    }
    return `${imageId}@${version}/${row.sysid ?? `${this.target.hostname}:${this.target.port}`}`;
  }

  async createFrom(db: string, parent: string | null, how: CopyHow = {}): Promise<void> {
    const template = parent === null ? 'template0' : ident(parent);
    // Restricted: made closed, and opened by the statement that takes PUBLIC's CONNECT away.
    const closed = this.logins ? ' ALLOW_CONNECTIONS false' : '';
    // Builds keep the server's default; a copy made ahead pays for its own durability.
    const strategy = how.ahead
      ? ` STRATEGY ${chooseStrategy(this.strategy, null, this.fileCopyBytes, true)}`
      : '';
    await this.logins?.ensureBuildRole();
    await this.q(`CREATE DATABASE ${ident(db)} TEMPLATE ${template}${strategy}${closed}`);
    if (parent !== null) await this.settings.copy(parent, db);
    if (!this.logins) return;
    await this.q(this.logins.buildAccessSql(db, this.newBuildPassword(db)));
    if (parent === null) await this.inDatabase(db, this.logins.schemaSql());
  }

  /** A build database gets a login (a warm copy of a base gets its own when renamed into one). */
  private newBuildPassword(db: string): string | undefined {
    if (dbKind(db) !== 'b') return undefined;
    const password = randomHex(16);
    this.buildPasswords.set(db, password);
    return password;
  }

  /** One statement run inside `db` on a connection of its own (as the URL's user). */
  private async inDatabase(db: string, sql: string): Promise<void> {
    const u = new URL(this.url);
    u.pathname = `/${assertOwnName(db)}`;
    const client = new TimedClient({
      connectionString: u.toString(),
      application_name: this.appName,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(sql);
    } catch (err) {
      throw serverError(this.url, err);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async publish(buildDb: string, stateDb: string): Promise<number> {
    // One round trip: both names are our own hex names (checked by ident), so the size query
    // can name the database literally. A multi-statement string runs as one transaction. It
    // also says whether the state has settings, so its clones need not ask (db-settings.ts).
    const results = (await this.q(
      `ALTER DATABASE ${ident(buildDb)} RENAME TO ${ident(stateDb)};
       ALTER DATABASE ${ident(stateDb)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;
       SELECT pg_database_size('${assertOwnName(stateDb)}') AS size, ${hasSettingsSql(stateDb, this.settingsScope)} AS has
       ${this.logins ? `;${this.logins.publishSql(buildDb, stateDb)}` : ''}`,
    )) as unknown as Array<{ rows: Array<{ size: string; has: boolean }> }>;
    this.buildPasswords.delete(buildDb);
    const row = results[2]?.rows[0];
    this.settings.remember(stateDb, row?.has === true);
    return Number(row?.size ?? 0);
  }

  async cloneInstance(
    stateDb: string,
    instanceDb: string,
    sizeBytes: number | null,
    password?: string,
    how: CopyHow = {},
  ): Promise<void> {
    const strategy = chooseStrategy(
      this.strategy,
      sizeBytes,
      this.fileCopyBytes,
      how.ahead,
      how.fresh,
    );
    const closed = this.logins ? ' ALLOW_CONNECTIONS false' : '';
    await this.logins?.ensureBuildRole();
    await this.q(
      `CREATE DATABASE ${ident(instanceDb)} TEMPLATE ${ident(stateDb)} STRATEGY ${strategy}${closed}`,
    );
    await this.settings.copy(stateDb, instanceDb);
    if (!this.logins) return;
    if (password === undefined) throw new Error('an instance login needs a password');
    await this.q(this.logins.instanceAccessSql(instanceDb, password));
    // The login is a member of no role: it gets the state's objects instead (logins.ts).
    await this.inDatabase(instanceDb, this.logins.ownSql(instanceDb));
  }

  async rename(from: string, to: string): Promise<void> {
    const password = this.logins && this.newBuildPassword(to);
    if (!this.logins || !password) {
      await this.q(`ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`);
      return;
    }
    // A warm copy of a state owns its objects as the instance it would have been: they go back
    // to the build role first. A copy of the empty base has no login and nothing to give back.
    const { rows } = await this.q<{ login: boolean }>(
      'SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS login',
      [assertOwnName(from)],
    );
    if (rows[0]?.login) await this.inDatabase(from, this.logins.disownSql(from));
    await this.q(this.logins.renameSql(from, to, password));
  }

  /** Drops the database, then its login if it has one (build_role restricted; logins.ts). */
  async drop(db: string, force: boolean): Promise<'dropped' | 'busy'> {
    // With force, whether anyone is connected is asked in the same round trip.
    const sessions = force
      ? `, EXISTS (SELECT FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
           AND backend_type = 'client backend') AS sessions`
      : '';
    const { rows } = await this.q<{ template: boolean | null; login: boolean; sessions?: boolean }>(
      `SELECT (SELECT datistemplate FROM pg_database WHERE datname = $1) AS template,
         EXISTS (SELECT FROM pg_roles WHERE rolname = $1) AS login${sessions}`,
      [assertOwnName(db)],
    );
    const { template, login } = rows[0] as { template: boolean | null; login: boolean };
    // Ended and waited for first: the DROP would look for them only every 100 ms (conntrack).
    if (rows[0]?.sessions) await endPgSessions(this.pgQueryable(), db);
    try {
      // A sealed template cannot be dropped: unseal it first. (A database left invalid by an
      // interrupted DROP is never a template, and accepts nothing but DROP.)
      if (template) await this.q(`ALTER DATABASE ${ident(db)} WITH IS_TEMPLATE false`);
      if (template !== null)
        await this.q(`DROP DATABASE IF EXISTS ${ident(db)}${force ? ' WITH (FORCE)' : ''}`);
    } catch (err) {
      // 55006: "database is being accessed by other users" (a session came in after the check).
      if ((err as { code?: string }).code === '55006') return 'busy';
      throw err;
    }
    // Never fails on a grant someone made to the login elsewhere: it is disabled instead.
    if (login) await this.dropLogin(db);
    this.buildPasswords.delete(db);
    return 'dropped';
  }

  /**
   * Drops a login, or disables one that grants elsewhere pin (logins.ts); true: dropped. Under
   * `build_role: admin` too, for the logins of databases made while the engine ran restricted.
   */
  private async dropLogin(role: string): Promise<boolean> {
    const logins = this.logins ?? new Logins(this.catalogId, (sql) => this.q(sql));
    const results = (await this.q(logins.dropLoginSql(role))) as unknown as Array<{
      rows: Array<{ pinned: boolean }>;
    }>;
    return results[1]?.rows[0]?.pinned !== true;
  }

  async dropStrayLogins(prefix: string): Promise<string[]> {
    if (!this.logins) return [];
    const strays = await this.logins.strays(prefix, async (sql, params) =>
      (await this.q<{ rolname: string }>(sql, params)).rows.map((r) => r.rolname),
    );
    const dropped: string[] = [];
    for (const role of strays) if (await this.dropLogin(role)) dropped.push(role);
    return dropped;
  }

  /**
   * Waits (up to `timeoutMs`) until no statement of these dead engines (of every other engine
   * process of this catalog when not given: a start) still runs on the server, so
   * reconciliation sees the outcome of their DDL. Live engines' statements are not waited for.
   */
  async settle(engineIds?: string[], timeoutMs = 30_000): Promise<void> {
    if (engineIds?.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    const [sql, params] = engineIds
      ? ['application_name = ANY($1::text[])', [engineIds.map((id) => appName(this.catalogId, id))]]
      : [
          'application_name LIKE $1 AND application_name <> $2',
          [`sqlrs-engine:${this.catalogId}:%`, this.appName],
        ];
    for (;;) {
      const { rows } = await this.q<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE ${sql} AND state = 'active'`,
        params,
      );
      if (Number(rows[0]?.n ?? 0) === 0 || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  sessions(dbs: string[]): Promise<Map<string, number>> {
    return pgSessionCounts(this.pgQueryable(), dbs);
  }

  private pgQueryable(): Queryable {
    return { query: (sql, params) => this.q(sql, params) as never };
  }

  async allowConnections(dbs: string[], allow: boolean): Promise<void> {
    for (const db of dbs)
      await this.q(`ALTER DATABASE ${ident(db)} WITH ALLOW_CONNECTIONS ${allow}`);
  }

  async existing(dbs: string[]): Promise<Set<string>> {
    if (dbs.length === 0) return new Set();
    const { rows } = await this.read<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = ANY($1::text[])',
      [dbs],
    );
    return new Set(rows.map((r) => r.datname));
  }

  async list(prefix: string): Promise<Array<{ name: string; allowConnections: boolean }>> {
    const { rows } = await this.q<{ datname: string; datallowconn: boolean }>(
      'SELECT datname, datallowconn FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname',
      [prefix],
    );
    return rows.map((r) => ({ name: r.datname, allowConnections: r.datallowconn }));
  }

  async sizes(dbs: string[]): Promise<Map<string, number>> {
    if (dbs.length === 0) return new Map();
    // The engine's connection owns every database of its catalog, so it may size them. A
    // database dropped between the scan and its size fails the query: it is asked once more.
    const ask = () =>
      this.q<{ datname: string; size: string }>(
        'SELECT datname, pg_database_size(oid) AS size FROM pg_database WHERE datname = ANY($1::text[])',
        [dbs],
      );
    const { rows } = await ask().catch(ask);
    return new Map(rows.map((r) => [r.datname, Number(r.size ?? 0)]));
  }

  lockState(stateDb: string): Promise<() => Promise<void>> {
    return this.locks.lock(stateDb);
  }

  async cancelQueries(db: string): Promise<void> {
    await this.q(
      'SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [db],
    );
  }

  dsn(db: string, password?: string): string {
    const u = new URL(this.url);
    u.pathname = `/${db}`;
    if (this.logins) {
      u.username = assertOwnName(db);
      u.password = password ?? this.buildPasswords.get(db) ?? '';
    }
    return u.toString();
  }

  toolEnv(db: string): Record<string, string> {
    const u = this.target;
    const env: Record<string, string> = {
      PGHOST: u.searchParams.get('host') ?? (u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1'),
      PGPORT: u.port || u.searchParams.get('port') || '5432',
      PGUSER: decodeURIComponent(u.username) || 'postgres',
      PGDATABASE: db,
      PGAPPNAME: 'sqlrs',
    };
    if (this.logins) {
      // The build's own login (logins.ts), never the engine's credentials.
      const password = this.buildPasswords.get(db);
      if (password === undefined) throw new Error(`no login for ${db}`);
      env.PGUSER = assertOwnName(db);
      env.PGPASSWORD = password;
    } else if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
    return env;
  }

  async close(): Promise<void> {
    await this.locks.close();
    await this.probe.close();
    await this.pool.end();
  }
}

function ident(db: string): string {
  return `"${assertOwnName(db)}"`;
}
