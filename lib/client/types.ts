import type { JobEvent } from '../schema-types.js';

export type { JobEvent };

export interface ConnectOptions {
  /** A remote engine: `127.0.0.1:PORT` or `http://host:port`. Without it, the local engine. */
  endpoint?: string;
  token?: string;
  /** The local engine's state dir (default as the CLI: SQLRS_STATE_STORE, XDG, ~/.local/state). */
  stateDir?: string;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** ttl_seconds of the instances this client makes (default 120), renewed every third of it. */
  leaseSeconds?: number;
}

export type PrepareSpec = { psql: string[]; stdin?: string } | { mysql: string[]; stdin?: string };

export interface PrepareOptions {
  /** Relative file paths resolve against it (default process.cwd()). */
  cwd?: string;
  name?: string;
  /** A kept instance's ttl_seconds; a leased one's lease length (default leaseSeconds). */
  ttlSeconds?: number;
  image?: string;
  /** Abort cancels the job on the engine and rejects with code 'aborted'. */
  signal?: AbortSignal;
  onEvent?: (event: JobEvent) => void;
  /** True: not leased, not released on close/exit (a named, kept instance). */
  keep?: boolean;
}

export interface Database {
  dsn: string;
  instanceId: string;
  stateId: string;
  /** Deletes the instance on the engine (idempotent; a second call is a no-op). */
  release(): Promise<void>;
}
