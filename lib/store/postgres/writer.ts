import type {
  EngineRow,
  InstanceRow,
  NameRow,
  PendingRow,
  PooledRow,
  StateRow,
  StoreWriter,
} from '../types.js';

/** One statement of a change, for pg's client.query. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * The writer of the shared catalog: the embedded writer's methods (lib/store/sqljs/writer.ts)
 * with the same effect, method for method, in PostgreSQL. The methods are synchronous like
 * every StoreWriter's, so they note statements, which `runStatements` then sends in order
 * inside the write's transaction. `s` is the quoted schema (./schema.ts).
 */
export function pgWriter(s: string): { writer: StoreWriter; statements: () => Statement[] } {
  const out: Statement[] = [];
  const add = (text: string, values: unknown[]) => out.push({ text, values });
  const writer: StoreWriter = {
    insertState(r: StateRow) {
      add(
        `INSERT INTO ${s}.states (state_id, parent_state_id, image_id, resolved_image_id,
          prepare_kind, prepare_args_normalized, db_name, created_at, size_bytes, last_used_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          r.state_id,
          r.parent_state_id,
          r.image_id,
          r.resolved_image_id,
          r.prepare_kind,
          r.prepare_args_normalized,
          r.db_name,
          r.created_at,
          r.size_bytes,
          r.last_used_at,
        ],
      );
    },
    deleteState(stateId: string) {
      add(`DELETE FROM ${s}.states WHERE state_id = $1`, [stateId]);
    },
    touchState(stateId: string, at: string) {
      add(`UPDATE ${s}.states SET last_used_at = $1 WHERE state_id = $2`, [at, stateId]);
    },
    insertInstance(r: InstanceRow) {
      add(
        `INSERT INTO ${s}.instances (instance_id, image_id, state_id, db_name, dsn, created_at,
          expires_at, idle_ttl_seconds, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          r.instance_id,
          r.image_id,
          r.state_id,
          r.db_name,
          r.dsn,
          r.created_at,
          r.expires_at,
          r.idle_ttl_seconds ?? null,
          r.last_used_at ?? r.created_at,
        ],
      );
    },
    deleteInstance(instanceId: string) {
      add(`DELETE FROM ${s}.instances WHERE instance_id = $1`, [instanceId]);
    },
    putName(r: NameRow) {
      // SQLite's INSERT OR REPLACE: the row as given, whatever was there.
      add(
        `INSERT INTO ${s}.names (name, instance_id, image_id, state_id, created_at, last_used_at)
          VALUES ($1, $2, $3, $4, $5, $6)
          ON CONFLICT (name) DO UPDATE SET instance_id = EXCLUDED.instance_id,
            image_id = EXCLUDED.image_id, state_id = EXCLUDED.state_id,
            created_at = EXCLUDED.created_at, last_used_at = EXCLUDED.last_used_at`,
        [r.name, r.instance_id, r.image_id, r.state_id, r.created_at, r.last_used_at],
      );
    },
    deleteName(name: string) {
      add(`DELETE FROM ${s}.names WHERE name = $1`, [name]);
    },
    addPending(r: PendingRow) {
      add(
        `INSERT INTO ${s}.pending (op_id, kind, image_id, db_name, target_id, job_id, created_at,
          reason, engine_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          r.op_id,
          r.kind,
          r.image_id,
          r.db_name,
          r.target_id,
          r.job_id,
          r.created_at,
          r.reason ?? null,
          r.engine_id ?? null,
        ],
      );
    },
    removePending(opId: string) {
      add(`DELETE FROM ${s}.pending WHERE op_id = $1`, [opId]);
    },
    claimPending(opId: string, jobId: string) {
      add(`UPDATE ${s}.pending SET job_id = $1 WHERE op_id = $2`, [jobId, opId]);
    },
    addPooled(r: PooledRow) {
      add(
        `INSERT INTO ${s}.pool (db_name, state_id, image_id, created_at, access, password,
          engine_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          r.db_name,
          r.state_id,
          r.image_id,
          r.created_at,
          r.access ?? 'admin',
          r.password ?? null,
          r.engine_id ?? null,
        ],
      );
    },
    removePooled(dbName: string) {
      add(`DELETE FROM ${s}.pool WHERE db_name = $1`, [dbName]);
    },
    renewInstance(instanceId: string, expiresAt: string, at: string) {
      add(`UPDATE ${s}.instances SET expires_at = $1, last_used_at = $2 WHERE instance_id = $3`, [
        expiresAt,
        at,
        instanceId,
      ]);
    },
    touchInstances(instanceIds: string[], at: string) {
      // As the embedded writer: the new expiry in the API's format (milliseconds, Z), never
      // earlier than it was; compared byte-wise, as SQLite compares the same strings.
      add(
        `UPDATE ${s}.instances SET last_used_at = $1::text,
          expires_at = CASE WHEN idle_ttl_seconds IS NULL THEN expires_at
            ELSE GREATEST(COALESCE(expires_at, '') COLLATE "C",
              to_char(($1::text::timestamptz + make_interval(secs => idle_ttl_seconds))
                AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') COLLATE "C") END
          WHERE instance_id = ANY($2::text[])`,
        [at, instanceIds],
      );
    },
    handOutInstance(instanceId: string, at: string, expiresAt: string | null) {
      add(
        `UPDATE ${s}.instances SET created_at = $1, last_used_at = $2, expires_at = $3
          WHERE instance_id = $4`,
        [at, at, expiresAt, instanceId],
      );
    },
    putEngine(r: EngineRow) {
      // SQLite's INSERT OR REPLACE, as putName.
      add(
        `INSERT INTO ${s}.engines (engine_id, started_at, lease_expires_at) VALUES ($1, $2, $3)
          ON CONFLICT (engine_id) DO UPDATE SET started_at = EXCLUDED.started_at,
            lease_expires_at = EXCLUDED.lease_expires_at`,
        [r.engine_id, r.started_at, r.lease_expires_at],
      );
    },
    removeEngine(engineId: string) {
      add(`DELETE FROM ${s}.engines WHERE engine_id = $1`, [engineId]);
    },
  };
  return { writer, statements: () => out.splice(0) };
}

/** Sends statements in order on one client (inside the caller's transaction). */
export async function runStatements(
  client: { query: (text: string, values: unknown[]) => Promise<unknown> },
  statements: Statement[],
): Promise<void> {
  for (const st of statements) await client.query(st.text, st.values);
}
