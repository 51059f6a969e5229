import {
  engineInsert,
  instanceInsert,
  nameInsert,
  pendingInsert,
  pooledInsert,
  type RowInsert,
  stateInsert,
} from '../row-columns.js';
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
      add(...insertSql(s, stateInsert(r)));
    },
    deleteState(stateId: string) {
      add(`DELETE FROM ${s}.states WHERE state_id = $1`, [stateId]);
    },
    touchState(stateId: string, at: string) {
      add(`UPDATE ${s}.states SET last_used_at = $1 WHERE state_id = $2`, [at, stateId]);
    },
    insertInstance(r: InstanceRow) {
      add(...insertSql(s, instanceInsert(r)));
    },
    deleteInstance(instanceId: string) {
      add(`DELETE FROM ${s}.instances WHERE instance_id = $1`, [instanceId]);
    },
    putName(r: NameRow) {
      // SQLite's INSERT OR REPLACE: the row as given, whatever was there.
      add(...insertSql(s, nameInsert(r), 'name'));
    },
    deleteName(name: string) {
      add(`DELETE FROM ${s}.names WHERE name = $1`, [name]);
    },
    addPending(r: PendingRow) {
      add(...insertSql(s, pendingInsert(r)));
    },
    removePending(opId: string) {
      add(`DELETE FROM ${s}.pending WHERE op_id = $1`, [opId]);
    },
    claimPending(opId: string, jobId: string) {
      add(`UPDATE ${s}.pending SET job_id = $1 WHERE op_id = $2`, [jobId, opId]);
    },
    addPooled(r: PooledRow) {
      add(...insertSql(s, pooledInsert(r)));
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
      // SQLite's INSERT OR REPLACE: the row as given, whatever was there.
      add(...insertSql(s, engineInsert(r), 'engine_id'));
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

/**
 * One row's insert (lib/store/row-columns.ts) in schema `s`; with `key`, a row already there
 * under that key is replaced, as SQLite's INSERT OR REPLACE does.
 */
function insertSql(s: string, row: RowInsert, key?: string): [string, unknown[]] {
  const marks = row.columns.map((_, i) => `$${i + 1}`).join(', ');
  let text = `INSERT INTO ${s}.${row.table} (${row.columns.join(', ')}) VALUES (${marks})`;
  if (key) {
    const set = row.columns.filter((c) => c !== key).map((c) => `${c} = EXCLUDED.${c}`);
    text += ` ON CONFLICT (${key}) DO UPDATE SET ${set.join(', ')}`;
  }
  return [text, row.values];
}
