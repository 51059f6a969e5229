import type { Database } from 'sql.js';
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
import { run } from './sql.js';

/** The write half of the catalog, used only inside a transaction opened by SqljsStore.write. */
export function sqljsWriter(db: Database): StoreWriter {
  return {
    insertState(r: StateRow) {
      insert(db, 'INSERT', stateInsert(r));
    },
    deleteState(stateId: string) {
      run(db, 'DELETE FROM states WHERE state_id = ?', [stateId]);
    },
    touchState(stateId: string, at: string) {
      run(db, 'UPDATE states SET last_used_at = ? WHERE state_id = ?', [at, stateId]);
    },
    insertInstance(r: InstanceRow) {
      insert(db, 'INSERT', instanceInsert(r));
    },
    deleteInstance(instanceId: string) {
      run(db, 'DELETE FROM instances WHERE instance_id = ?', [instanceId]);
    },
    putName(r: NameRow) {
      insert(db, 'INSERT OR REPLACE', nameInsert(r));
    },
    deleteName(name: string) {
      run(db, 'DELETE FROM names WHERE name = ?', [name]);
    },
    addPending(r: PendingRow) {
      insert(db, 'INSERT', pendingInsert(r));
    },
    removePending(opId: string) {
      run(db, 'DELETE FROM pending WHERE op_id = ?', [opId]);
    },
    claimPending(opId: string, jobId: string) {
      run(db, 'UPDATE pending SET job_id = ? WHERE op_id = ?', [jobId, opId]);
    },
    addPooled(r: PooledRow) {
      insert(db, 'INSERT', pooledInsert(r));
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
      insert(db, 'INSERT OR REPLACE', engineInsert(r));
    },
    removeEngine(engineId: string) {
      run(db, 'DELETE FROM engines WHERE engine_id = ?', [engineId]);
    },
  };
}

/** One row's insert (lib/store/row-columns.ts); `INSERT OR REPLACE` puts the row as given. */
function insert(db: Database, verb: 'INSERT' | 'INSERT OR REPLACE', row: RowInsert): void {
  const marks = row.columns.map(() => '?').join(', ');
  run(db, `${verb} INTO ${row.table} (${row.columns.join(', ')}) VALUES (${marks})`, row.values);
}
