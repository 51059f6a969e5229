import type { Test } from 'tap';
import { Sqlrs } from '../../lib/client/index.js';
import type { ConnectOptions } from '../../lib/client/types.js';
import { type TestEngine, testEngine } from './engine.js';
import { catalogDatabases } from './postgres.js';

/** An engine in this process and a JS client that finds it through its state dir. */
export async function clientAndEngine(
  t: Test,
  config?: Record<string, unknown>,
  opts: ConnectOptions = {},
): Promise<{ engine: TestEngine; client: Sqlrs }> {
  const engine = await testEngine(t, { config });
  const client = await Sqlrs.connect({ stateDir: engine.stateDir, ...opts });
  t.teardown(() => client.close().catch(() => undefined));
  return { engine, client };
}

/** The instance databases of an engine's catalog on the local PostgreSQL server. */
export async function instanceDatabases(engine: TestEngine): Promise<string[]> {
  return (await catalogDatabases(engine.store.catalogId)).filter((d) => d.includes('_i_'));
}
