import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Test } from 'tap';
import { request } from 'undici';
import { type RunningEngine, startEngine } from '../../runtime/process/engine.js';
import { dropCatalogDatabases } from './catalog-cleanup.js';
import { tempDir } from './tmp.js';

export interface TestEngine extends RunningEngine {
  stateDir: string;
  url: (path: string) => string;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
}

export interface CallOptions {
  headers?: Record<string, string>;
  body?: string;
  token?: string | null;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into replies freely
  json: () => any;
}

/** An engine in this process, on port 0 with its own state dir, stopped at test end. */
export async function testEngine(
  t: Test,
  opts: {
    stateDir?: string;
    config?: Record<string, unknown>;
    idleTimeoutMs?: number;
    /** The engine's clock (tests that move time without sleeping: testClock). */
    clock?: () => Date;
  } = {},
): Promise<TestEngine> {
  const stateDir = opts.stateDir ?? (await tempDir(t));
  // No warm pool unless a test asks for one: its background copies would change what the
  // server holds under tests that count databases, and load a 2-core machine for nothing.
  const config = { warm_pool: { per_state: 0 }, ...opts.config };
  const path = join(stateDir, 'config.json');
  if (opts.config || !existsSync(path)) await writeFile(path, JSON.stringify(config));
  const engine = await startEngine({
    host: '127.0.0.1',
    port: 0,
    stateDir,
    engineJson: join(stateDir, 'engine.json'),
    idleTimeoutMs: opts.idleTimeoutMs ?? 0,
    clock: opts.clock,
  });
  t.teardown(async () => {
    await engine.stop('test end');
    await dropCatalogDatabases(engine.store.catalogId);
  });
  const url = (path: string) => `http://${engine.endpoint}${path}`;
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...o.headers };
    const token = o.token === undefined ? engine.authToken : o.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await request(url(path), { method: method as 'GET', headers, body: o.body });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
  };
  return {
    ...engine,
    stateDir,
    url,
    call,
    get: (path, headers) => call('GET', path, { headers }),
  };
}

/** A clock that runs with real time and can be moved ahead at once. */
export function testClock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
  };
}
