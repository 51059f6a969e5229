import type { TestEngine } from './engine.js';
import { catalogDatabases } from './postgres.js';
import { poolOf, prepare } from './prepare.js';

// What the warm-pool tests share (test/lib/prepare/hand-out/warm-pool*.test.ts).

export const SEED = 'create table t(x int); insert into t select generate_series(1, 100)';
export const POOL = { warm_pool: { per_state: 2, max_total: 3 } };
export const MYSQL_SEED = 'create table t(x int); insert into t values (1), (2), (3)';

export async function prepared(e: TestEngine, sql: string) {
  const p = await prepare(e, { psql_args: ['-c', sql] });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.events.at(-1))}`);
  await poolOf(e).idle();
  return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
}

export const pooledDbs = (e: TestEngine, stateId?: string) =>
  e.store.listPooled(stateId).map((r) => r.db_name);

/** Databases on the server named as instances that the catalog has no instance for. */
export async function copiesOnServer(e: TestEngine): Promise<string[]> {
  const instances = new Set(
    e.store
      .catalogDatabases()
      .filter((r) => r.kind === 'instance')
      .map((r) => r.db_name),
  );
  const onServer = await catalogDatabases(e.store.catalogId);
  return onServer.filter((d) => d.includes('_i_') && !instances.has(d)).sort();
}

/** Copies of the empty base, which every cold build earns (keyed `base:<resolved image>`). */
export const baseCopies = (e: TestEngine) =>
  e.store
    .listPooled()
    .filter((r) => r.state_id.startsWith('base:'))
    .map((r) => r.db_name);

/** Builds a state and asks for it again: the second request earns it warm copies. */
export async function warmed(e: TestEngine, sql: string) {
  await prepared(e, sql);
  return prepared(e, sql);
}
