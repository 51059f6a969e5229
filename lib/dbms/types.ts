import type { DbmsKind } from '../config.js';
import type { BuildRole } from '../trust.js';

/**
 * What prepare needs from a database server, whatever the DBMS. Database names passed in are
 * always built by the engine from its own hex ids (see names.ts), never from user input.
 */
export interface DbmsServer {
  readonly kind: DbmsKind;
  /**
   * restricted: builds run as a role (account) of the catalog's that can reach only the build
   * database, and every instance has a login of its own, with a password, that can reach only
   * its database; admin: everything uses the server URL's credentials.
   */
  readonly access: BuildRole;
  /** Connects, reads version and identity, checks the image's version tag (docs/prepare.md). */
  resolve(imageId: string): Promise<string>;
  /** Creates `db` as a copy of `parent`, or empty when parent is null. */
  createFrom(db: string, parent: string | null, how?: CopyHow): Promise<void>;
  /**
   * Builds run in the state's own database rather than in a build database (MySQL, which has
   * no RENAME DATABASE: docs/mysql.md), and publish seals it where it is.
   */
  readonly buildsInPlace?: boolean;
  /**
   * Renames a finished build to its state name and seals it (in place when `buildDb` is the
   * state's); returns its size in bytes.
   */
  publish(buildDb: string, stateDb: string): Promise<number>;
  /** A private, writable copy of a sealed state; restricted: its login gets `password`. */
  cloneInstance(
    stateDb: string,
    instanceDb: string,
    sizeBytes: number | null,
    password?: string,
    how?: CopyHow,
  ): Promise<void>;
  /**
   * Renames a database nobody is connected to; only servers that can (PostgreSQL) have it,
   * and only they get a warm pool.
   */
  rename?(from: string, to: string): Promise<void>;
  /**
   * Drops a database. With force, its sessions are terminated; without, a database someone
   * is connected to is left alone and the answer is 'busy' (docs/deletion.md, Deleting).
   */
  drop(db: string, force: boolean): Promise<'dropped' | 'busy'>;
  /** Drops the logins (accounts) of this catalog whose database is gone; returns their names. */
  dropStrayLogins(prefix: string): Promise<string[]>;
  /**
   * Waits until DDL left running by these dead engines of this catalog (by any crashed earlier
   * engine when not given) has ended.
   */
  settle(engineIds?: string[]): Promise<void>;
  /** Sessions per database, not counting the engine's own (conntrack). */
  sessions(dbs: string[]): Promise<Map<string, number>>;
  /** Stops (false) or allows (true) new connections to instance databases. */
  allowConnections(dbs: string[], allow: boolean): Promise<void>;
  /** Which of these databases exist. */
  existing(dbs: string[]): Promise<Set<string>>;
  /** Databases whose names start with `prefix`, and whether they take connections. */
  list(prefix: string): Promise<Array<{ name: string; allowConnections: boolean }>>;
  /**
   * The size in bytes of each of these databases that exists, in one query (the cache budget
   * measures a server once per pass, only what it counts: docs/lifecycle.md).
   */
  sizes?(dbs: string[]): Promise<Map<string, number>>;
  /** Serializes builds of one state across engine processes on this server. */
  lockState(stateDb: string): Promise<() => Promise<void>>;
  /** Cancels whatever runs in `db` (its sessions' queries). */
  cancelQueries(db: string): Promise<void>;
  /**
   * The user's connection string for a database; restricted: as its login, with `password`
   * (a build database's is the one the server made for it).
   */
  dsn(db: string, password?: string): string;
  /** Environment for the command-line tool to reach `db` (PGHOST, ... or MYSQL_*). */
  toolEnv(db: string): Record<string, string>;
  close(): Promise<void>;
}

/** How a copy is made. */
export interface CopyHow {
  /**
   * Made ahead of use, in the background (a warm-pool copy): the copy pays for its own
   * durability, so that a later request's DROP DATABASE does not (PostgreSQL: FILE_COPY under
   * `clone_strategy: auto`, lib/dbms/postgres/strategy.ts). MySQL makes every copy alike.
   */
  ahead?: boolean;
  /**
   * The source was built moments ago (the instance of the state its job just built): its
   * pages are still dirty and its files unsynced, which PostgreSQL's FILE_COPY would first
   * write out in a checkpoint, so under `auto` it is copied with WAL_LOG at any size
   * (lib/dbms/postgres/strategy.ts). MySQL makes every copy alike.
   */
  fresh?: boolean;
}

export type ServerFactory = (url: string, kind: DbmsKind) => DbmsServer;
