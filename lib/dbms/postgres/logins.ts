import pg from 'pg';
import { assertOwnName } from '../names.js';

type Query = (sql: string) => Promise<unknown>;

const HEX_PASSWORD = /^[0-9a-f]{32}$/;
const ATTRIBUTES = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

const ident = (name: string) => `"${assertOwnName(name)}"`;
/** A role of ours as an oid, in SQL. */
const literalOid = (name: string) => `'"${assertOwnName(name)}"'::regrole`;

function literalPassword(password: string): string {
  if (!HEX_PASSWORD.test(password)) throw new Error('a login password is 32 hex characters');
  return pg.escapeLiteral(password);
}

/**
 * Roles under `build_role: restricted` (docs/architecture.md, "Who can reach what"). Each
 * catalog has one NOLOGIN role, `sqlrs_<c>_build`, that owns everything its builds make. Each
 * database of the catalog that someone logs in to has a login role of its own, named as the
 * database, with CONNECT on that database only (PUBLIC has none on any of them):
 *
 * - a build database's login is NOINHERIT and starts its sessions as the build role (its
 *   `role` setting), so what a step makes is owned by the build role; it is dropped when the
 *   build is published or dropped;
 * - an instance's login is a member of no role: the objects of its database (the state's, which
 *   the build role owned) are handed to it when the database is made (ownSql), so it cannot
 *   act as the build role anywhere (change the build role's settings in a state, say). It
 *   reaches no other database (no CONNECT there), and is dropped with its database; a login
 *   someone else's grant pins is disabled instead (dropLoginSql).
 *
 * Nothing here connects as those roles: the engine's own connection (a superuser, or a
 * CREATEROLE admin that owns the databases) makes them. Every name is the engine's own; the
 * passwords are its own hex.
 */
export class Logins {
  private made: Promise<void> | undefined;
  readonly buildRole: string;

  constructor(
    catalogId: string,
    private readonly q: Query,
  ) {
    this.buildRole = `sqlrs_${catalogId}_build`;
    if (!/^sqlrs_[0-9a-f]{8}_build$/.test(this.buildRole)) throw new Error('bad catalog id');
  }

  /**
   * Creates the catalog's build role once. Two engines of one catalog may race: the loser's
   * CREATE ROLE fails with duplicate_object (or unique_violation while the winner commits).
   */
  ensureBuildRole(): Promise<void> {
    this.made ??= this.q(
      `DO $sqlrs$ BEGIN
         CREATE ROLE "${this.buildRole}" NOLOGIN ${ATTRIBUTES};
       EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
       END $sqlrs$`,
    ).then(
      () => undefined,
      (err) => {
        this.made = undefined;
        throw err;
      },
    );
    return this.made;
  }

  /**
   * A database the build role works in (a build database, or a warm copy of a base that will
   * become one): only the build role may create in it, and PUBLIC may not connect. With
   * `login`, the database gets its build login too. Opens the database, created closed.
   */
  buildAccessSql(db: string, login?: string): string {
    return [
      `REVOKE ALL ON DATABASE ${ident(db)} FROM PUBLIC`,
      `GRANT CREATE, TEMP ON DATABASE ${ident(db)} TO "${this.buildRole}"`,
      ...(login === undefined ? [] : this.buildLoginSql(db, login)),
      `ALTER DATABASE ${ident(db)} WITH ALLOW_CONNECTIONS true`,
    ].join(';\n');
  }

  private buildLoginSql(db: string, password: string): string[] {
    return [
      `DROP ROLE IF EXISTS ${ident(db)}`,
      `CREATE ROLE ${ident(db)} LOGIN NOINHERIT ${ATTRIBUTES} PASSWORD ${literalPassword(password)}
         IN ROLE "${this.buildRole}"`,
      `ALTER ROLE ${ident(db)} SET role = '${this.buildRole}'`,
      `GRANT CONNECT ON DATABASE ${ident(db)} TO ${ident(db)}`,
    ];
  }

  /** Run inside a new base database: PostgreSQL 15 gives PUBLIC no CREATE on schema public. */
  readonly schemaSql = () => `GRANT USAGE, CREATE ON SCHEMA public TO "${this.buildRole}"`;

  /** An instance (or a warm copy of a state, made as the instance it will be): its login. */
  instanceAccessSql(db: string, password: string): string {
    return [
      `DROP ROLE IF EXISTS ${ident(db)}`,
      `CREATE ROLE ${ident(db)} LOGIN NOINHERIT ${ATTRIBUTES} PASSWORD ${literalPassword(password)}`,
      `REVOKE ALL ON DATABASE ${ident(db)} FROM PUBLIC`,
      `GRANT CONNECT, CREATE, TEMP ON DATABASE ${ident(db)} TO ${ident(db)}`,
      `ALTER DATABASE ${ident(db)} WITH ALLOW_CONNECTIONS true`,
    ].join(';\n');
  }

  /**
   * Run inside an instance's database (its login made): everything the build role owns there
   * (relations, schemas, functions, types, large objects, extensions, ...) becomes the login's,
   * and the login gets what the engine granted the build role on schema public (owned by the
   * database's owner). REASSIGN OWNED also moves shared objects (databases, tablespaces) the
   * role owns, on the whole server: the build role owns none (it has no CREATEDB, cannot
   * create tablespaces, and the engine never gives it a database), which the block checks
   * first, so nothing outside this database moves. Default privileges `FOR ROLE` the build
   * role stay: they apply to what the build role makes, and nobody makes anything as it here.
   */
  ownSql(db: string): string {
    const build = this.buildRole;
    return `DO $sqlrs$ BEGIN
      IF EXISTS (SELECT FROM pg_database WHERE datdba = '"${build}"'::regrole)
         OR EXISTS (SELECT FROM pg_tablespace WHERE spcowner = '"${build}"'::regrole) THEN
        RAISE EXCEPTION 'the build role owns a database or tablespace';
      END IF;
      REASSIGN OWNED BY "${build}" TO ${ident(db)};
      IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public'
                   AND nspowner <> ${literalOid(db)}) THEN
        GRANT USAGE, CREATE ON SCHEMA public TO ${ident(db)};
      END IF;
    END $sqlrs$`;
  }

  /**
   * Run inside a warm copy of a state before it is renamed into a build database: its objects
   * go back to the build role, and the grants its login had there go (its CONNECT included),
   * so the build starts from the state as it was published.
   */
  disownSql(db: string): string {
    return [
      `REASSIGN OWNED BY ${ident(db)} TO "${this.buildRole}"`,
      `DROP OWNED BY ${ident(db)}`,
    ].join(';\n');
  }

  /**
   * Drops a login whose database is gone. A grant made to it in another database (a step may
   * grant on its table to any role it can name) keeps DROP ROLE from dropping it: then it is
   * disabled at once (no login, no password, no membership, its sessions ended) and left for
   * reconciliation, which drops logins whose database is gone (strays) once nothing pins them.
   * Its last statement says whether the login is still there (`pinned`).
   */
  dropLoginSql(role: string): string {
    return `DO $sqlrs$ BEGIN ${this.dropLoginBlock(role)} END $sqlrs$;
      SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = '${assertOwnName(role)}') AS pinned`;
  }

  /** dropLoginSql's PL/pgSQL block, for a DO of a larger transaction (publish, rename). */
  private dropLoginBlock(role: string): string {
    return `BEGIN
        DROP ROLE IF EXISTS ${ident(role)};
      EXCEPTION WHEN dependent_objects_still_exist THEN
        ALTER ROLE ${ident(role)} NOLOGIN PASSWORD NULL;
        IF EXISTS (SELECT FROM pg_auth_members WHERE member = ${literalOid(role)}) THEN
          REVOKE "${this.buildRole}" FROM ${ident(role)};
        END IF;
        PERFORM pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE usename = '${assertOwnName(role)}';
      END;`;
  }

  /**
   * A warm copy renamed into a build database: the copy's own login (a state copy has one)
   * goes, the build's comes, in the rename's transaction.
   */
  renameSql(from: string, to: string, password: string): string {
    return [
      `ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)}`,
      `DO $sqlrs$ BEGIN
         IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${assertOwnName(from)}') THEN
           REVOKE ALL ON DATABASE ${ident(to)} FROM ${ident(from)};
           ${this.dropLoginBlock(from)}
         END IF;
       END $sqlrs$`,
      this.buildAccessSql(to, password),
    ].join(';\n');
  }

  /** Publishing: the state keeps no grant, and the build's login goes (or is disabled). */
  publishSql(buildDb: string, stateDb: string): string {
    return [
      `REVOKE ALL ON DATABASE ${ident(stateDb)} FROM "${this.buildRole}", ${ident(buildDb)}`,
      `DO $sqlrs$ BEGIN ${this.dropLoginBlock(buildDb)} END $sqlrs$`,
    ].join(';\n');
  }

  /** Logins whose database is gone (a drop or a crash came between the two). */
  async strays(prefix: string, list: (sql: string, p: unknown[]) => Promise<string[]>) {
    const names = await list(
      `SELECT rolname FROM pg_roles r WHERE starts_with(rolname, $1)
         AND NOT EXISTS (SELECT FROM pg_database d WHERE d.datname = r.rolname)`,
      [prefix],
    );
    return names.filter((n) => n !== this.buildRole && /^sqlrs_[0-9a-f]{8}_[ib]_/.test(n));
  }
}
