import { createHash } from 'node:crypto';

/**
 * The shared catalog's tables in PostgreSQL (docs/scaling.md): the same rows as the embedded
 * catalog (lib/store/sqljs/migrations.ts), plus the change log (`journal`) and its head.
 * Times stay text in the API's own format (docs/api.md), as in the embedded catalog: rows go
 * to and from the replica unchanged, and comparisons of them (a sliding expiry) compare the
 * same strings both sides do.
 */

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema's name, checked and quoted: it comes from config and is the one name in SQL. */
export function quotedSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `catalog schema ${JSON.stringify(schema)} is not a valid name (lowercase letters, digits, _; at most 63)`,
    );
  }
  return `"${schema}"`;
}

/** A 64-bit key of the schema's own, for pg_advisory_xact_lock around migrations. */
export function migrationLockKey(schema: string): string {
  return createHash('sha256')
    .update(`sqlrs catalog migrations ${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The NOTIFY channel of a schema's change log (a channel name is at most 63 bytes). */
export function changeChannel(schema: string): string {
  return `sqlrs_catalog_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/** The NOTIFY channel on which a schema's jobs are asked to stop (the job's id as payload). */
export function jobChannel(schema: string): string {
  return `sqlrs_jobs_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/**
 * Forward-only migrations of the PostgreSQL side: PG_MIGRATIONS[i](s) takes schema `s` (quoted)
 * from version i to i + 1. Its version is in meta's `schema_version`, apart from the embedded
 * catalog's (the replica is made at the embedded schema's current version).
 */
export const PG_MIGRATIONS: ReadonlyArray<(s: string) => string> = [
  (s) => `
  CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE ${s}.states (
    state_id text PRIMARY KEY,
    parent_state_id text,
    image_id text NOT NULL,
    resolved_image_id text NOT NULL,
    prepare_kind text NOT NULL,
    prepare_args_normalized text NOT NULL,
    db_name text NOT NULL,
    created_at text NOT NULL,
    size_bytes bigint,
    last_used_at text
  );
  CREATE INDEX states_parent ON ${s}.states (parent_state_id);
  CREATE INDEX states_image ON ${s}.states (image_id, state_id);
  CREATE INDEX states_db ON ${s}.states (db_name);
  CREATE TABLE ${s}.instances (
    instance_id text PRIMARY KEY,
    image_id text NOT NULL,
    state_id text NOT NULL,
    db_name text NOT NULL,
    dsn text NOT NULL,
    created_at text NOT NULL,
    expires_at text,
    idle_ttl_seconds integer,
    last_used_at text
  );
  CREATE INDEX instances_state ON ${s}.instances (state_id, instance_id);
  CREATE INDEX instances_image ON ${s}.instances (image_id, instance_id);
  CREATE INDEX instances_expires ON ${s}.instances (expires_at);
  CREATE INDEX instances_db ON ${s}.instances (db_name);
  CREATE TABLE ${s}.names (
    name text PRIMARY KEY,
    instance_id text NOT NULL,
    image_id text NOT NULL,
    state_id text NOT NULL,
    created_at text NOT NULL,
    last_used_at text
  );
  CREATE INDEX names_instance ON ${s}.names (instance_id);
  CREATE INDEX names_image ON ${s}.names (image_id, name);
  CREATE INDEX names_state ON ${s}.names (state_id);
  CREATE TABLE ${s}.pending (
    op_id text PRIMARY KEY,
    kind text NOT NULL,
    image_id text NOT NULL,
    db_name text NOT NULL,
    target_id text NOT NULL,
    job_id text,
    created_at text NOT NULL,
    reason text
  );
  CREATE INDEX pending_target ON ${s}.pending (target_id);
  CREATE TABLE ${s}.pool (
    db_name text PRIMARY KEY,
    state_id text NOT NULL,
    image_id text NOT NULL,
    created_at text NOT NULL,
    access text NOT NULL DEFAULT 'admin',
    password text
  );
  CREATE INDEX pool_state ON ${s}.pool (state_id);
  CREATE TABLE ${s}.journal (
    seq bigint PRIMARY KEY,
    calls text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE ${s}.head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
  INSERT INTO ${s}.head VALUES (1, 0);
  `,
  // v2: engines and their leases; the owner of each pending record and warm copy (the
  // embedded catalog's v9, lib/store/sqljs/migrations.ts).
  (s) => `
  CREATE TABLE ${s}.engines (
    engine_id text PRIMARY KEY,
    started_at text NOT NULL,
    lease_expires_at text NOT NULL
  );
  ALTER TABLE ${s}.pending ADD COLUMN engine_id text;
  ALTER TABLE ${s}.pool ADD COLUMN engine_id text;
  `,
  // v3: jobs and their events (lib/store/postgres/job-board.ts): rows beside the replica, not
  // in the change log, read and written only by the job board. JSON values (tasks, result,
  // error, events) are kept as the API's text, so they go back out unchanged.
  (s) => `
  CREATE TABLE ${s}.jobs (
    job_id text PRIMARY KEY,
    engine_id text NOT NULL,
    status text NOT NULL,
    prepare_kind text NOT NULL,
    image_id text NOT NULL,
    plan_only boolean NOT NULL,
    prepare_args_normalized text NOT NULL,
    created_at text NOT NULL,
    started_at text,
    finished_at text,
    tasks text,
    result text,
    error text,
    event_count integer NOT NULL DEFAULT 0,
    cancel_requested boolean NOT NULL DEFAULT false
  );
  CREATE INDEX jobs_unfinished ON ${s}.jobs (engine_id) WHERE finished_at IS NULL;
  CREATE INDEX jobs_finished ON ${s}.jobs (finished_at);
  CREATE INDEX jobs_created ON ${s}.jobs (created_at, job_id);
  CREATE TABLE ${s}.job_events (
    job_id text NOT NULL REFERENCES ${s}.jobs ON DELETE CASCADE,
    seq integer NOT NULL,
    event text NOT NULL,
    PRIMARY KEY (job_id, seq)
  );
  `,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;
