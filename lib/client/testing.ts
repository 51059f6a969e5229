import {
  type Database,
  type PrepareOptions,
  type PrepareSpec,
  Sqlrs,
  SqlrsError,
} from './index.js';

/**
 * `sqlrs/testing` (docs/client.md): a private database per test, per worker, and a global setup
 * that builds the states once before the workers start.
 */

/** What freshDatabase needs of a test: a way to run code when it ends. */
export interface TestContextLike {
  /** node:test's `t.after`. */
  after?(fn: () => unknown): void;
  /** vitest's `context.onTestFinished` (or the `onTestFinished` it exports). */
  onTestFinished?(fn: () => unknown): void;
  /** Aborted when the test is (node:test, vitest 3): cancels a prepare still running. */
  signal?: AbortSignal;
}

export type TestingOptions = PrepareOptions & { client?: Sqlrs };

/**
 * The process's client and worker databases. They live on globalThis, not in this module,
 * because test runners that isolate test files (vitest) evaluate the module again per file
 * within one worker, and one client per worker is the point.
 */
interface Shared {
  client?: Promise<Sqlrs>;
  workers: Map<string, Promise<Database>>;
}
const SHARED = Symbol.for('sqlrs.testing');

function shared(): Shared {
  const g = globalThis as { [SHARED]?: Shared };
  g[SHARED] ??= { workers: new Map() };
  return g[SHARED];
}

/** The process's client, connected on first use and closed when the process runs out of work. */
function processClient(): Promise<Sqlrs> {
  const s = shared();
  if (s.client) return s.client;
  const connecting = Sqlrs.connect();
  s.client = connecting;
  connecting.then(
    (client) =>
      process.once('beforeExit', () => {
        if (s.client !== connecting) return;
        s.client = undefined;
        s.workers.clear();
        // At exit nobody is left to hear a failure: the engine still drops what the client
        // held once its leases lapse (docs/lifecycle.md).
        client.close().catch(() => undefined);
      }),
    () => {
      // A failed connect is not kept: the next test tries again (and reports its own error).
      if (s.client === connecting) s.client = undefined;
    },
  );
  return connecting;
}

function onEnd(t: TestContextLike): (fn: () => Promise<void>) => void {
  if (typeof t?.onTestFinished === 'function') return (fn) => t.onTestFinished?.(fn);
  if (typeof t?.after === 'function') return (fn) => t.after?.(fn);
  throw new SqlrsError(
    'invalid_argument',
    "freshDatabase needs the test's context: node:test's t, or vitest's context (onTestFinished)",
  );
}

/**
 * A private database made from `spec` for one test, released when the test ends. With `keep`
 * it is a kept instance and stays. The process's client is used unless `opts.client` is given.
 */
export async function freshDatabase(
  t: TestContextLike,
  spec: PrepareSpec,
  opts: TestingOptions = {},
): Promise<Database> {
  const whenDone = onEnd(t);
  const { client, ...prepareOpts } = opts;
  const sqlrs = client ?? (await processClient());
  const db = await sqlrs.prepare(spec, { signal: t.signal, ...prepareOpts });
  if (!prepareOpts.keep) whenDone(() => db.release());
  return db;
}

/**
 * One database made from `spec` for this worker (a jest or vitest worker, a node:test file),
 * shared by the tests that ask for the same spec; released at exit, or by its `release()`
 * (after which the next call makes another).
 */
export function workerDatabase(spec: PrepareSpec, opts: PrepareOptions = {}): Promise<Database> {
  const s = shared();
  const key = JSON.stringify([spec, opts.cwd ?? process.cwd(), opts.image, opts.name]);
  const known = s.workers.get(key);
  if (known) return known;
  const making = processClient()
    .then((client) => client.prepare(spec, opts))
    .then(
      (db): Database => ({
        dsn: db.dsn,
        instanceId: db.instanceId,
        stateId: db.stateId,
        release: () => {
          if (s.workers.get(key) === making) s.workers.delete(key);
          return db.release();
        },
      }),
    );
  s.workers.set(key, making);
  making.catch(() => {
    if (s.workers.get(key) === making) s.workers.delete(key);
  });
  return making;
}

/**
 * For a global setup (vitest `globalSetup`, jest `globalSetup`): builds the states of `spec`, or
 * finds them cached, once before the workers start, so their freshDatabase and workerDatabase
 * calls take copies of cached states; a broken script fails here once instead of in every test.
 * The instance it makes is released before it returns.
 */
export async function prepareOnce(
  spec: PrepareSpec,
  opts: TestingOptions = {},
): Promise<{ stateId: string }> {
  const { client, ...prepareOpts } = opts;
  const sqlrs = client ?? (await Sqlrs.connect());
  try {
    const db = await sqlrs.prepare(spec, { ...prepareOpts, keep: false });
    await db.release();
    return { stateId: db.stateId };
  } finally {
    if (!client) await sqlrs.close();
  }
}
