import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { request } from 'undici';
import { compileSchemas } from '../../lib/schemas.js';
import { createFetchHandler } from '../../runtime/cloud/fetch.js';
import { createLambdaHandler } from '../../runtime/cloud/lambda.js';
import { createEngineCore, type EngineCore } from '../../runtime/compose/engine-core.js';
import { createHttpServer } from '../../runtime/edge/http-server.js';
import { parseQuery } from '../../runtime/edge/query.js';
import { createRouter } from '../../runtime/edge/router.js';
import { ROUTES } from '../../runtime/edge/routes.js';
import { dropCatalogDatabases } from './catalog-cleanup.js';
import { holdPsqlSession } from './postgres.js';
import { hex, instanceRow, nameRow, stateRow } from './rows.js';
import { sharedCatalog } from './shared-catalog.js';
import { tempDir } from './tmp.js';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/contract', import.meta.url));
export type AdapterName = 'node' | 'fetch' | 'lambda';
/** The embedded catalog (sql.js, the default) or a shared one on PostgreSQL (docs/scaling.md). */
export type CatalogKind = 'embedded' | 'shared';
const TOKEN = 'e'.repeat(64);
const validators = compileSchemas();
const match = createRouter(ROUTES, validators);

export interface Fixture {
  file: string;
  description: string;
  config?: Record<string, unknown>;
  setup?: Array<Record<string, unknown>>;
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    auth?: 'none' | 'wrong';
  };
  expect: {
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    ndjson?: unknown[];
    ndjson_last?: unknown;
  };
  /** A case an adapter, or a catalog kind, cannot do: the key names it, the value says why. */
  skip?: Partial<Record<AdapterName | CatalogKind, string>>;
}

export function loadFixtures(): Fixture[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(FIXTURES, d.name))
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({
          file: `${d.name}/${f}`,
          ...JSON.parse(readFileSync(join(FIXTURES, d.name, f), 'utf8')),
        })),
    )
    .sort((a, b) => a.file.localeCompare(b.file));
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

interface Harness {
  core: EngineCore;
  call(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Reply>;
  close(): Promise<void>;
}

async function harness(
  adapter: AdapterName,
  stateDir: string,
  config: Record<string, unknown>,
): Promise<Harness> {
  if (adapter === 'node') {
    const core = await createEngineCore({ stateDir, authToken: TOKEN, config });
    const server = createHttpServer(core.dispatch);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return {
      core,
      async call(method, path, headers, body) {
        const res = await request(`http://127.0.0.1:${port}${path}`, {
          method: method as 'GET',
          headers,
          body,
        });
        return { status: res.statusCode, headers: flat(res.headers), text: await res.body.text() };
      },
      async close() {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
        await core.close();
      },
    };
  }
  if (adapter === 'fetch') {
    const h = createFetchHandler({ stateDir, authToken: TOKEN, config });
    const core = await h.engine();
    return {
      core,
      async call(method, path, headers, body) {
        const res = await h(new Request(`http://sqlrs.invalid${path}`, { method, headers, body }));
        const out: Record<string, string> = {};
        res.headers.forEach((v, k) => {
          out[k] = v;
        });
        return { status: res.status, headers: out, text: await res.text() };
      },
      close: h.close,
    };
  }
  const h = createLambdaHandler({ stateDir, authToken: TOKEN, config });
  const core = await h.engine();
  return {
    core,
    async call(method, path, headers, body) {
      const [rawPath, rawQueryString = ''] = path.split('?') as [string, string?];
      const res = await h({
        version: '2.0',
        rawPath,
        rawQueryString,
        headers,
        body,
        isBase64Encoded: false,
        requestContext: { http: { method, path: rawPath } },
      });
      return { status: res.statusCode, headers: res.headers, text: res.body };
    },
    close: h.close,
  };
}

const flat = (h: Record<string, string | string[] | undefined>) =>
  Object.fromEntries(
    Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
  );

function fill<T>(value: T, vars: Record<string, string>): T {
  const text = JSON.stringify(value).replace(
    /\{\{([a-z_.]+)\}\}/g,
    (_, key: string) => vars[key] ?? `{{${key}}}`,
  );
  return JSON.parse(text) as T;
}

/** Checks a fixture against the contract itself before it is played: the request of a
 * successful case must be valid, so fixtures cannot drift from the schemas. */
export function checkFixture(t: Test, f: Fixture): void {
  const [path, search = ''] = f.request.path.split('?') as [string, string?];
  const { route } = match(f.request.method, path);
  t.ok(
    route.responses[f.expect.status] !== undefined,
    `${f.file}: status ${f.expect.status} is documented for ${route.method} ${route.pattern}`,
  );
  if (f.expect.status >= 300 || f.request.path.includes('{{')) return;
  t.same(
    validators.errors(route.query, parseQuery(search)),
    null,
    `${f.file}: query matches ${route.query}`,
  );
  if (route.body)
    t.same(
      validators.errors(route.body, f.request.body),
      null,
      `${f.file}: body matches ${route.body}`,
    );
}

async function runSetup(
  t: Test,
  h: Harness,
  steps: Array<Record<string, unknown>>,
  vars: Record<string, string>,
) {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const step of steps) {
    if (step.seed) await seed(h.core);
    if (step.prepare || step.start) {
      const body = JSON.stringify({
        prepare_kind: 'psql',
        ...((step.prepare ?? step.start) as object),
      });
      const res = JSON.parse((await h.call('POST', '/v1/prepare-jobs', auth, body)).text);
      const as = step.as as string;
      vars[`${as}.job_id`] = res.job_id;
      if (step.prepare) {
        await h.call('GET', `/v1/prepare-jobs/${res.job_id}/events`, auth);
        const job = JSON.parse((await h.call('GET', `/v1/prepare-jobs/${res.job_id}`, auth)).text);
        for (const k of ['instance_id', 'state_id', 'dsn']) vars[`${as}.${k}`] = job.result?.[k];
      }
    }
    if (step.hold_session) await holdPsqlSession(t, vars[`${step.hold_session}.dsn`] as string);
  }
}

/** The fixed catalog of `{"seed": true}` (rows only; no databases behind them). */
async function seed(core: EngineCore) {
  const s1 = stateRow({ state_id: `${'a'.repeat(8)}${'1'.repeat(56)}` });
  const s2 = stateRow({
    state_id: `${'a'.repeat(8)}${'2'.repeat(56)}`,
    parent_state_id: s1.state_id,
  });
  const sa = stateRow({ state_id: `abcdef01${'3'.repeat(56)}` });
  const sb = stateRow({ state_id: `abcdef01${'4'.repeat(56)}` });
  const dev = instanceRow(s2.state_id, { instance_id: '1'.repeat(32) });
  const ia = instanceRow(s1.state_id, { instance_id: `abcdef01${'5'.repeat(24)}` });
  const ib = instanceRow(s1.state_id, { instance_id: `abcdef01${'6'.repeat(24)}` });
  await core.store.write((w) => {
    for (const s of [s1, s2, sa, sb]) w.insertState(s);
    for (const i of [dev, ia, ib]) w.insertInstance(i);
    w.putName(nameRow('dev', dev));
  });
}

/** Plays one fixture through one adapter; `catalog`: extra engine config naming the catalog. */
export async function play(
  t: Test,
  adapter: AdapterName,
  f: Fixture,
  catalog: Record<string, unknown> = {},
): Promise<void> {
  const stateDir = await tempDir(t, `sqlrs-contract-${adapter}-`);
  const h = await harness(adapter, stateDir, { ...f.config, ...catalog });
  t.teardown(async () => {
    await h.close();
    await dropCatalogDatabases(h.core.store.catalogId);
  });
  const vars: Record<string, string> = {};
  await runSetup(t, h, f.setup ?? [], vars);
  const req = fill(f.request, vars);
  const headers: Record<string, string> = { ...req.headers };
  if (req.auth !== 'none')
    headers.authorization = `Bearer ${req.auth === 'wrong' ? 'f'.repeat(64) : TOKEN}`;
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (body) headers['content-type'] = 'application/json';
  const res = await h.call(req.method, req.path, headers, body);
  t.equal(res.status, f.expect.status, `${f.file}: status (${res.text.slice(0, 200)})`);
  const isNd = res.headers['content-type'] === 'application/x-ndjson';
  const parsed = isNd
    ? res.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : res.text
      ? JSON.parse(res.text)
      : undefined;
  if (!isNd && parsed && typeof parsed === 'object' && 'job_id' in parsed)
    vars['response.job_id'] = parsed.job_id;
  const want = fill(f.expect, vars);
  for (const [k, v] of Object.entries(want.headers ?? {}))
    t.equal(res.headers[k], v, `${f.file}: header ${k}`);
  if (want.body !== undefined) t.match(parsed, want.body, `${f.file}: body`);
  if (want.ndjson) t.match(parsed, want.ndjson, `${f.file}: ndjson`);
  if (want.ndjson_last)
    t.match((parsed as unknown[]).at(-1), want.ndjson_last, `${f.file}: last line`);
  conformsToRoute(t, f, res.status, parsed, isNd);
}

function conformsToRoute(t: Test, f: Fixture, status: number, parsed: unknown, isNd: boolean) {
  const { route } = match(f.request.method, f.request.path.split('?')[0] as string);
  const file = route.responses[status];
  if (!file) return;
  const schema = validators.schemas.find((s) => (s.$id as string).endsWith(`/${file}`)) as {
    items?: { $ref: string };
  };
  const lineFile = file === 'job-event.json' ? file : schema?.items?.$ref;
  if (isNd && lineFile) {
    for (const line of parsed as unknown[])
      t.same(validators.errors(lineFile, line), null, `${f.file}: line matches ${lineFile}`);
  } else {
    t.same(validators.errors(file, parsed), null, `${f.file}: body matches ${file}`);
  }
}

/**
 * Runs every fixture through one adapter, on one catalog kind. On the shared kind each case has
 * a catalog schema of its own in one catalog database of the file's, so cases start empty as
 * they do on the embedded catalog.
 */
export function contractSuite(t: Test, adapter: AdapterName, kind: CatalogKind = 'embedded'): void {
  const database = kind === 'shared' ? sharedCatalog(t) : undefined;
  for (const f of loadFixtures()) {
    const [who, reason] = f.skip?.[adapter] ? [adapter, f.skip[adapter]] : [kind, f.skip?.[kind]];
    const skip = reason ? `${who} cannot do this case: ${reason}` : false;
    t.test(`${f.file}: ${f.description}`, { skip }, async (t) => {
      checkFixture(t, f);
      const catalog = database
        ? { catalog: (await database).url, catalog_schema: `contract_${hex(6)}` }
        : {};
      await play(t, adapter, f, catalog);
    });
  }
}
