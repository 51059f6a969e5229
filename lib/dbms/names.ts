import { CATALOG_ID, INSTANCE_ID, JOB_ID, STATE_ID } from '../id.js';

/**
 * Database names (docs/catalog.md): `sqlrs_<catalog id>_<kind>_<id>`. Every name is built from hex
 * ids the engine made, so it is safe to place in DDL; `assertOwnName` double-checks.
 */
export function dbNames(catalogId: string) {
  if (!CATALOG_ID.test(catalogId)) throw new Error(`bad catalog id ${catalogId}`);
  const prefix = `sqlrs_${catalogId}_`;
  return {
    prefix,
    state(stateId: string) {
      if (!STATE_ID.test(stateId)) throw new Error('bad state id');
      return `${prefix}s_${stateId.slice(0, 40)}`;
    },
    instance(instanceId: string) {
      if (!INSTANCE_ID.test(instanceId)) throw new Error('bad instance id');
      return `${prefix}i_${instanceId}`;
    },
    /** The instance a database is named for, if it is named as one of this catalog's. */
    instanceIdOf(db: string): string | undefined {
      const id = db.startsWith(`${prefix}i_`) ? db.slice(prefix.length + 2) : '';
      return INSTANCE_ID.test(id) ? id : undefined;
    },
    build(jobId: string, step: number) {
      if (!JOB_ID.test(jobId) || !Number.isInteger(step) || step < 0)
        throw new Error('bad build id');
      return `${prefix}b_${jobId}_${step}`;
    },
  };
}

export type DbNames = ReturnType<typeof dbNames>;

// `p`: warm-pool copies of an earlier naming scheme, still dropped by name.
const OWN_NAME = /^sqlrs_[0-9a-f]{8}_[sibp]_[0-9a-f]+(_\d+)?$/;

/** Guards every identifier that goes into DDL. */
export function assertOwnName(db: string): string {
  if (!OWN_NAME.test(db)) throw new Error(`refusing to touch database ${JSON.stringify(db)}`);
  return db;
}

/** The kind letter of one of the engine's names: s(tate), i(nstance), b(uild), p(ool, old). */
export function dbKind(db: string): string {
  return assertOwnName(db).charAt(15);
}
