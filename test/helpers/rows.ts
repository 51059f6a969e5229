import { createHash, randomBytes } from 'node:crypto';
import type { InstanceRow, NameRow, StateRow } from '../../lib/store/types.js';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const stateIdFor = (seed: string) => createHash('sha256').update(seed).digest('hex');

export function stateRow(overrides: Partial<StateRow> = {}): StateRow {
  const id = overrides.state_id ?? hex(32);
  return {
    state_id: id,
    parent_state_id: null,
    image_id: 'postgres:15',
    resolved_image_id: 'postgres:15@15.0/1',
    prepare_kind: 'psql',
    prepare_args_normalized: '-X -v ON_ERROR_STOP=1 -c select 1',
    db_name: `sqlrs_test_s_${id.slice(0, 40)}`,
    created_at: '2026-01-01T00:00:00.000Z',
    size_bytes: 1024,
    last_used_at: null,
    ...overrides,
  };
}

export function instanceRow(stateId: string, overrides: Partial<InstanceRow> = {}): InstanceRow {
  const id = overrides.instance_id ?? hex(16);
  return {
    instance_id: id,
    image_id: 'postgres:15',
    state_id: stateId,
    db_name: `sqlrs_test_i_${id}`,
    dsn: `postgres://postgres@127.0.0.1:5432/sqlrs_test_i_${id}`,
    created_at: '2026-01-01T00:00:01.000Z',
    expires_at: null,
    idle_ttl_seconds: null,
    last_used_at: overrides.created_at ?? '2026-01-01T00:00:01.000Z',
    ...overrides,
  };
}

export function nameRow(
  name: string,
  inst: InstanceRow,
  overrides: Partial<NameRow> = {},
): NameRow {
  return {
    name,
    instance_id: inst.instance_id,
    image_id: inst.image_id,
    state_id: inst.state_id,
    created_at: '2026-01-01T00:00:02.000Z',
    last_used_at: null,
    ...overrides,
  };
}
