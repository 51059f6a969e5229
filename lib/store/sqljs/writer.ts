import type { Database } from 'sql.js';
import type {
  EngineRow,
  InstanceRow,
  NameRow,
  PendingRow,
  PooledRow,
  StateRow,
  StoreWriter,
} from '../types.js';
import { run } from './sql.js';

/** The write half of the catalog, used only inside a transaction opened by SqljsStore.write. */
export function sqljsWriter(db: Database): StoreWriter {
  return {
    insertState(r: StateRow) {
      run(
        db,
        `INSERT INTO states (state_id, parent_state_id, image_id, resolved_image_id, prepare_kind,
          prepare_args_normalized, db_name, created_at, size_bytes, last_used_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      run(db, 'DELETE FROM states WHERE state_id = ?', [stateId]);
    },
    touchState(stateId: string, at: string) {
      run(db, 'UPDATE states SET last_used_at = ? WHERE state_id = ?', [at, stateId]);
    },
    insertInstance(r: InstanceRow) {
      run(
        db,
        `INSERT INTO instances (instance_id, image_id, state_id, db_name, dsn, created_at,
          expires_at, idle_ttl_seconds, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      run(db, 'DELETE FROM instances WHERE instance_id = ?', [instanceId]);
    },
    putName(r: NameRow) {
      run(
        db,
        `INSERT OR REPLACE INTO names (name, instance_id, image_id, state_id, created_at, last_used_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
        [r.name, r.instance_id, r.image_id, r.state_id, r.created_at, r.last_used_at],
      );
    },
    deleteName(name: string) {
      run(db, 'DELETE FROM names WHERE name = ?', [name]);
    },
    addPending(r: PendingRow) {
      run(
        db,
        `INSERT INTO pending (op_id, kind, image_id, db_name, target_id, job_id, created_at, reason,
          engine_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      run(db, 'DELETE FROM pending WHERE op_id = ?', [opId]);
    },
    claimPending(opId: string, jobId: string) {
      run(db, 'UPDATE pending SET job_id = ? WHERE op_id = ?', [jobId, opId]);
    },
    addPooled(r: PooledRow) {
      run(
        db,
        `INSERT INTO pool (db_name, state_id, image_id, created_at, access, password, engine_id)
          VALUES (?, ?, ?, ?, ?, ?, ?)`,
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
      run(db, 'DELETE FROM pool WHERE db_name = ?', [dbName]);
    },
    renewInstance(instanceId: string, expiresAt: string, at: string) {
      run(db, 'UPDATE instances SET expires_at = ?, last_used_at = ? WHERE instance_id = ?', [
        expiresAt,
        at,
        instanceId,
      ]);
    },
    touchInstances(instanceIds: string[], at: string) {
      // One statement whatever the number of ids. The new expiry is computed in SQLite's own
      // format and written back in ours (docs/api.md: RFC 3339 with milliseconds).
      run(
        db,
        `UPDATE instances SET last_used_at = ?1,
          expires_at = CASE WHEN idle_ttl_seconds IS NULL THEN expires_at
            ELSE MAX(COALESCE(expires_at, ''),
              strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '+' || idle_ttl_seconds || ' seconds')) END
          WHERE instance_id IN (SELECT value FROM json_each(?2))`,
        [at, JSON.stringify(instanceIds)],
      );
    },
    handOutInstance(instanceId: string, at: string, expiresAt: string | null) {
      run(
        db,
        'UPDATE instances SET created_at = ?, last_used_at = ?, expires_at = ? WHERE instance_id = ?',
        [at, at, expiresAt, instanceId],
      );
    },
    putEngine(r: EngineRow) {
      run(
        db,
        'INSERT OR REPLACE INTO engines (engine_id, started_at, lease_expires_at) VALUES (?, ?, ?)',
        [r.engine_id, r.started_at, r.lease_expires_at],
      );
    },
    removeEngine(engineId: string) {
      run(db, 'DELETE FROM engines WHERE engine_id = ?', [engineId]);
    },
  };
}
