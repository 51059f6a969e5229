import pg from 'pg';
import { assertOwnName } from '../names.js';

type Query = (sql: string) => Promise<unknown>;

const HEX_PASSWORD = /^[0-9a-f]{32}$/;
const ATTRIBUTES = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

const ident = (name: string) => `"${assertOwnName(name)}"`;

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
 * - an instance's login is a member of the build role: it owns the state's objects through it,
 *   and reaches no other database (no CONNECT there). It is dropped with its database.
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
      `CREATE ROLE ${ident(db)} LOGIN INHERIT ${ATTRIBUTES} PASSWORD ${literalPassword(password)}
         IN ROLE "${this.buildRole}"`,
      `REVOKE ALL ON DATABASE ${ident(db)} FROM PUBLIC`,
      `GRANT CONNECT, CREATE, TEMP ON DATABASE ${ident(db)} TO ${ident(db)}`,
      `ALTER DATABASE ${ident(db)} WITH ALLOW_CONNECTIONS true`,
    ].join(';\n');
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
           DROP ROLE ${ident(from)};
         END IF;
       END $sqlrs$`,
      this.buildAccessSql(to, password),
    ].join(';\n');
  }

  /** Publishing: the state keeps no grant, and the build's login goes. */
  publishSql(buildDb: string, stateDb: string): string {
    return [
      `REVOKE ALL ON DATABASE ${ident(stateDb)} FROM "${this.buildRole}", ${ident(buildDb)}`,
      `DROP ROLE ${ident(buildDb)}`,
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
