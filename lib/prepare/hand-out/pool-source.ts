import type { StateRow } from '../../store/types.js';

/**
 * What a pool keeps copies of: a sealed state, or an image's empty base (a copy of template0,
 * which every first step of a cold prepare starts from). `key` is the pool rows' `state_id`.
 */
export interface PoolSource {
  key: string;
  imageId: string;
  /** The database copied; null: the empty base (template0). */
  db: string | null;
  sizeBytes: number | null;
  /** Set for a state: its copies stop when it is gone from the catalog. */
  stateId?: string;
}

export function stateSource(state: StateRow): PoolSource {
  return {
    key: state.state_id,
    imageId: state.image_id,
    db: state.db_name,
    sizeBytes: state.size_bytes,
    stateId: state.state_id,
  };
}

/** An image's empty base (docs/prepare.md): keyed by the resolved image id, never a state id. */
export function baseSource(imageId: string, resolvedImageId: string): PoolSource {
  return { key: `base:${resolvedImageId}`, imageId, db: null, sizeBytes: null };
}
