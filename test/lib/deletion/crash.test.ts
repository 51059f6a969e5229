import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import {
  type EngineCall,
  reopenEngine,
  spawnLoopbackEngine,
} from '../../helpers/engine-process.js';
import { catalogDatabases } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/tmp.js';

// Each round kills at a random point; 24 rounds keep the file well inside tap's per-file timeout on a busy 2-core machine.
const ROUNDS = 24;
type Kind = 'build' | 'clone' | 'delete' | 'handout' | 'hit';

/**
 * SIGKILL the engine binary during a build, an instance clone, a recursive delete, a warm-pool
 * hand-out (and its refill) or, with the pool off, cache hits that clone into the name the
 * previous prepare reserved while their row is flushed, at random points; after each restart
 * the catalog and the server must agree, with no build database left.
 */
t.test(
  `crash-safety: random SIGKILLs during builds, clones, deletes, hand-outs, hits (${ROUNDS} rounds)`,
  async (t) => {
    const stateDir = await tempDir(t);
    const json = join(stateDir, 'engine.json');
    let catalogId = '';
    t.teardown(() => (catalogId ? dropCatalogDatabases(catalogId) : undefined));
    const kinds: Kind[] = ['build', 'clone', 'delete', 'handout', 'hit'];
    let repaired = 0;
    let pooled = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const kind = kinds[round % kinds.length] as Kind;
      const config = join(stateDir, 'config.json');
      if (kind === 'hit') await writeFile(config, JSON.stringify({ warm_pool: { per_state: 0 } }));
      else await rm(config, { force: true });
      const e = await spawnLoopbackEngine(t, json);
      const api = e.call;
      const killAfter = await setUp(api, kind, round);
      setTimeout(() => e.child.kill('SIGKILL'), killAfter);
      await act(api, kind, round).catch(() => undefined); // the engine dies under it
      await e.exit;

      const engine = await reopenEngine(stateDir, json);
      catalogId = engine.store.catalogId;
      const onServer = await catalogDatabases(catalogId);
      const inCatalog = engine.store
        .catalogDatabases()
        .map((d) => d.db_name)
        .sort();
      if (engine.store.listPooled().length > 0) pooled++;
      const unknown = engine.deps.deletion.unknownDatabases();
      const pending = engine.store.listPending();
      const report = engine.deps.deletion.lastReconcile();
      if (report.dropped.length + report.forgotten.length > 0) repaired++;
      await engine.stop();
      if (JSON.stringify(onServer) !== JSON.stringify(inCatalog) || unknown.length > 0) {
        t.fail(`round ${round} (${kind}, kill at ${killAfter} ms): server and catalog disagree`, {
          onServer,
          inCatalog,
          unknown,
        });
      }
      if (onServer.some((d) => d.includes('_b_')))
        t.fail(`round ${round}: a build database was left`);
      if (pending.length > 0) t.fail(`round ${round}: pending records left`);
    }
    t.pass(`${ROUNDS} rounds agree`);
    t.ok(
      repaired > 0,
      `kills landed mid-operation: ${repaired} restarts had half-done work to repair`,
    );
    t.ok(pooled > 0, `warm-pool copies were in the catalog at ${pooled} restarts`);
  },
);

type Api = EngineCall;

const prepareBody = (round: number) => ({
  prepare_kind: 'psql',
  psql_args: [
    '-c',
    `create table t(x int); select pg_sleep(0.05)`,
    '-c',
    `insert into t select generate_series(1, ${round + 1})`,
  ],
});

async function finish(api: Api, body: unknown) {
  const res = await api('POST', '/v1/prepare-jobs', body);
  await api('GET', `/v1/prepare-jobs/${res.json().job_id}/events`);
}

/** Brings the catalog to where the action is interesting; returns when to kill (ms). */
async function setUp(api: Api, kind: Kind, round: number): Promise<number> {
  if (kind === 'build') return Math.floor(Math.random() * 400);
  await finish(api, prepareBody(round));
  if (kind === 'clone' || kind === 'hit') return Math.floor(Math.random() * 60);
  await finish(api, prepareBody(round));
  if (kind === 'handout') {
    await new Promise((r) => setTimeout(r, 300)); // the second use made warm copies
    return Math.floor(Math.random() * 60);
  }
  await finish(api, prepareBody(round));
  return Math.floor(Math.random() * 80);
}

async function act(api: Api, kind: Kind, round: number): Promise<void> {
  if (kind === 'handout' || kind === 'hit') {
    // Renames then refills; or, with no pool, clones into reserved names.
    for (let i = 0; i < 5; i++) await finish(api, prepareBody(round));
    return;
  }
  if (kind !== 'delete') {
    for (let i = 0; i < 5; i++) await finish(api, prepareBody(round + i * 1000));
    return;
  }
  const states = (await api('GET', '/v1/states')).json() as Array<{
    state_id: string;
    parent_state_id: string | null;
  }>;
  for (const root of states.filter((s) => s.parent_state_id === null)) {
    await api('DELETE', `/v1/states/${root.state_id}?recurse=true&force=true`);
  }
}
