import type { EngineRow, InstanceRow, NameRow, PendingRow, PooledRow, StateRow } from './types.js';

/**
 * What an insert of each catalog row writes: its table, its columns in order, and the row's
 * values for them, with the defaults of optional fields. Both catalog writers (embedded and
 * shared) build their inserts from these, so a row means the same in either store.
 */
export interface RowInsert {
  table: 'states' | 'instances' | 'names' | 'pending' | 'pool' | 'engines';
  columns: readonly string[];
  values: Array<string | number | null>;
}

export const stateInsert = (r: StateRow): RowInsert => ({
  table: 'states',
  columns: [
    'state_id',
    'parent_state_id',
    'image_id',
    'resolved_image_id',
    'prepare_kind',
    'prepare_args_normalized',
    'db_name',
    'created_at',
    'size_bytes',
    'last_used_at',
  ],
  values: [
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
});

export const instanceInsert = (r: InstanceRow): RowInsert => ({
  table: 'instances',
  columns: [
    'instance_id',
    'image_id',
    'state_id',
    'db_name',
    'dsn',
    'created_at',
    'expires_at',
    'idle_ttl_seconds',
    'last_used_at',
  ],
  values: [
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
});

export const nameInsert = (r: NameRow): RowInsert => ({
  table: 'names',
  columns: ['name', 'instance_id', 'image_id', 'state_id', 'created_at', 'last_used_at'],
  values: [r.name, r.instance_id, r.image_id, r.state_id, r.created_at, r.last_used_at],
});

export const pendingInsert = (r: PendingRow): RowInsert => ({
  table: 'pending',
  columns: [
    'op_id',
    'kind',
    'image_id',
    'db_name',
    'target_id',
    'job_id',
    'created_at',
    'reason',
    'engine_id',
  ],
  values: [
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
});

export const pooledInsert = (r: PooledRow): RowInsert => ({
  table: 'pool',
  columns: ['db_name', 'state_id', 'image_id', 'created_at', 'access', 'password', 'engine_id'],
  values: [
    r.db_name,
    r.state_id,
    r.image_id,
    r.created_at,
    r.access ?? 'admin',
    r.password ?? null,
    r.engine_id ?? null,
  ],
});

export const engineInsert = (r: EngineRow): RowInsert => ({
  table: 'engines',
  columns: ['engine_id', 'started_at', 'lease_expires_at'],
  values: [r.engine_id, r.started_at, r.lease_expires_at],
});
