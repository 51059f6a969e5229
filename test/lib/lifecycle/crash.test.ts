import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import { reopenEngine, spawnLoopbackEngine } from '../../helpers/engine-process.js';
import { catalogDatabases } from '../../helpers/postgres.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/until.js';

const ROUNDS = 6;
const INSTANCES = 4;

/**
 * SIGKILL the engine binary while its reaper drops expired instances (docs/lifecycle.md): the
 * reaper deletes through lib/deletion, so after each restart the catalog and the server agree
 * and no pending record is left.
 */
t.test(`crash-safety: SIGKILL while the reaper drops (${ROUNDS} rounds)`, async (t) => {
  const stateDir = await tempDir(t);
  const json = join(stateDir, 'engine.json');
  await writeFile(
    join(stateDir, 'config.json'),
    JSON.stringify({ reap_interval: '20ms', warm_pool: { per_state: 0 } }),
  );
  let catalogId = '';
  t.teardown(() => (catalogId ? dropCatalogDatabases(catalogId) : undefined));
  let repaired = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const e = await spawnLoopbackEngine(t, json);
    const api = e.call;
    let firstExpiry = Number.POSITIVE_INFINITY;
    for (let i = 0; i < INSTANCES; i++) {
      const res = await api('POST', '/v1/prepare-jobs', {
        prepare_kind: 'psql',
        psql_args: ['-c', `create table t${round}_${i}(x int)`],
        ttl_seconds: 1,
      });
      const job = res.json().job_id as string;
      await api('GET', `/v1/prepare-jobs/${job}/events`);
      const status = (await api('GET', `/v1/prepare-jobs/${job}`)).json();
      const entry = (await api('GET', `/v1/instances/${status.result.instance_id}`)).json();
      firstExpiry = Math.min(firstExpiry, Date.parse(entry.expires_at));
    }
    const killAt = firstExpiry - Date.now() + Math.floor(Math.random() * 250);
    setTimeout(() => e.child.kill('SIGKILL'), Math.max(0, killAt));
    await e.exit;

    const engine = await reopenEngine(stateDir, json);
    catalogId = engine.store.catalogId;
    const report = engine.deps.deletion.lastReconcile();
    if (report.dropped.length + report.forgotten.length > 0) repaired++;
    // The restarted reaper finishes the job; then the catalog holds the states alone.
    await until(
      () =>
        engine.store.listInstances({}, { limit: 10 }).length === 0 &&
        engine.store.catalogDatabases().every((d) => d.kind !== 'instance') &&
        engine.store.listPending().length === 0,
      'every expired instance reaped',
    );
    const onServer = await catalogDatabases(catalogId);
    const inCatalog = engine.store
      .catalogDatabases()
      .map((d) => d.db_name)
      .sort();
    const unknown = engine.deps.deletion.unknownDatabases();
    await engine.stop();
    t.same(onServer, inCatalog, `round ${round}: server and catalog agree`);
    t.same(unknown, [], `round ${round}: nothing unknown`);
  }
  t.comment(`${repaired} of ${ROUNDS} restarts had a half-done drop to finish`);
});
