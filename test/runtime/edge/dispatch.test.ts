import t, { type Test } from 'tap';
import { sqlrsError } from '../../../lib/errors.js';
import { compileSchemas } from '../../../lib/schemas.js';
import { openSqljsStore } from '../../../lib/store/sqljs/index.js';
import { memoryLogger } from '../../../runtime/compose/file-logger.js';
import { createDispatcher } from '../../../runtime/edge/dispatch.js';
import type { Deps, Route } from '../../../runtime/edge/types.js';
import { tempDir } from '../../helpers/tmp.js';

const TOKEN = 'c'.repeat(64);

async function setup(t: Test, maxBodyBytes?: number) {
  const store = await openSqljsStore({ dir: await tempDir(t) });
  t.teardown(() => store.close());
  const logger = memoryLogger();
  // What ran, in order: the catalog's refresh and the handlers (the refresh tests read it).
  const marks: string[] = [];
  const deps: Deps = {
    store,
    validators: compileSchemas(),
    clock: () => new Date(),
    logger,
    engine: { version: 'test', instanceId: 'a'.repeat(32), pid: 1 },
    // The dispatcher never reaches the job manager in these routes.
    jobs: undefined as never,
    deletion: undefined as never,
  };
  const routes: Route[] = [
    {
      method: 'POST',
      pattern: '/v1/echo',
      handler: async (req) => {
        marks.push('handler');
        return { status: 201, body: req.body };
      },
      auth: true,
      query: 'empty-query.json',
      body: 'prepare-request.json',
      responses: {},
      summary: '',
    },
    {
      method: 'GET',
      pattern: '/v1/boom/:what',
      handler: async (req) => {
        if (req.params.what === 'coded') throw sqlrsError('conflict', 'taken', 'by someone');
        throw new Error('secret internals at /srv/x.js:12');
      },
      auth: true,
      query: 'empty-query.json',
      responses: {},
      summary: '',
    },
    {
      method: 'GET',
      pattern: '/v1/open',
      handler: async () => {
        marks.push('open');
        return { status: 200, body: {} };
      },
      auth: false,
      query: 'empty-query.json',
      responses: {},
      summary: '',
    },
  ];
  const dispatch = createDispatcher({ routes, deps, authToken: TOKEN, maxBodyBytes });
  const auth = { authorization: `Bearer ${TOKEN}` };
  return { dispatch, logger, auth, store, marks };
}

t.test('bodies: malformed JSON, wrong types, unknown fields, missing fields', async (t) => {
  const { dispatch, auth } = await setup(t);
  const post = (body?: string) =>
    dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body });
  const ok = await post('{"prepare_kind":"psql","psql_args":["-c","select 1"]}');
  t.equal(ok.status, 201);
  t.same(ok.body, { prepare_kind: 'psql', psql_args: ['-c', 'select 1'] });
  const cases: Array<[string | undefined, RegExp]> = [
    [undefined, /body required/],
    ['{"prepare_kind":', /not valid JSON/],
    ['[1,2', /not valid JSON/],
    ['"just a string"', /body: must be object/],
    ['{"prepare_kind":"psql","psql_args":"-c"}', /body\.psql_args: must be array/],
    ['{"prepare_kind":"psql","psql_args":[1]}', /body\.psql_args\[0\]: must be string/],
    ['{"prepare_kind":"psql","bogus":1}', /unknown field body\.bogus/],
    ['{"psql_args":[]}', /missing field body\.prepare_kind/],
    ['{"prepare_kind":"oracle"}', /body\.prepare_kind: must be one of "psql", "mysql"/],
    ['{"prepare_kind":"psql","name":"a/b"}', /body\.name/],
  ];
  for (const [body, message] of cases) {
    const res = await post(body);
    t.equal(res.status, 400, String(body));
    t.match(res.body, { code: 'invalid_argument', message }, String(body));
  }
});

t.test('body limits and bodies where none belong', async (t) => {
  const { dispatch, auth } = await setup(t, 100);
  const big = JSON.stringify({ prepare_kind: 'psql', stdin: 'x'.repeat(200) });
  const res = await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body: big });
  t.equal(res.status, 413);
  t.match(res.body, { code: 'payload_too_large' });
  const get = await dispatch({ method: 'GET', url: '/v1/boom/coded', headers: auth, body: '{}' });
  t.equal(get.status, 400);
  t.match(get.body, { message: /takes no body/ });
});

t.test('errors map to HTTP once, at the edge; a 500 says nothing internal', async (t) => {
  const { dispatch, auth, logger } = await setup(t);
  const coded = await dispatch({ method: 'GET', url: '/v1/boom/coded', headers: auth });
  t.equal(coded.status, 409);
  t.same(coded.body, { code: 'conflict', message: 'taken', details: 'by someone' });
  const internal = await dispatch({ method: 'GET', url: '/v1/boom/x', headers: auth });
  t.equal(internal.status, 500);
  t.same(internal.body, { code: 'internal_error', message: 'internal error' });
  t.ok(
    logger.lines.some((l) => l.event === 'internal_error' && String(l.error).includes('secret')),
    'the cause goes to the log instead',
  );
  t.ok(
    logger.lines.some((l) => l.event === 'http' && l.status === 500 && typeof l.ms === 'number'),
  );
});

t.test('auth, unknown routes, queries', async (t) => {
  const { dispatch, auth } = await setup(t);
  const noToken = await dispatch({ method: 'GET', url: '/v1/boom/coded', headers: {} });
  t.equal(noToken.status, 401);
  t.match(noToken.body, { code: 'unauthorized' });
  const wrong = await dispatch({
    method: 'GET',
    url: '/v1/boom/coded',
    headers: { Authorization: `Bearer ${'d'.repeat(64)}` },
  });
  t.equal(wrong.status, 401);
  const q = await dispatch({ method: 'GET', url: '/v1/boom/coded?x=1', headers: auth });
  t.equal(q.status, 400);
  t.match(q.body, { message: 'unknown query parameter "x"' });
  const nf = await dispatch({ method: 'GET', url: '/nope', headers: auth });
  t.equal(nf.status, 404);
  const na = await dispatch({ method: 'PATCH', url: '/v1/echo', headers: auth });
  t.equal(na.status, 405);
  t.equal(na.headers?.allow, 'POST');
});

t.test('a body source is read only after Host, route, token and declared size pass', async (t) => {
  const { dispatch, auth } = await setup(t, 1024);
  let reads = 0;
  const body = async () => {
    reads++;
    return '{"prepare_kind":"psql","psql_args":[]}';
  };
  const refused: Array<[Record<string, string>, string, number]> = [
    [{}, '/v1/echo', 401],
    [{ authorization: 'Bearer wrong' }, '/v1/echo', 401],
    [auth, '/v1/nowhere', 404],
    [{ ...auth, 'content-length': '2048' }, '/v1/echo', 413],
  ];
  for (const [headers, url, status] of refused) {
    const res = await dispatch({ method: 'POST', url, headers, body });
    t.equal(res.status, status, `${url} ${JSON.stringify(headers)}`);
  }
  t.equal(reads, 0, 'never read');
  t.equal((await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body })).status, 201);
  t.equal(reads, 1, 'read once it passed');
  const cut = await dispatch({
    method: 'POST',
    url: '/v1/echo',
    headers: auth,
    body: async () => 'too_large' as const,
  });
  t.equal(cut.status, 413, 'a source that passed the cap is 413');
});

t.test('an authenticated route refreshes the catalog before its handler runs', async (t) => {
  const { dispatch, auth, store, marks } = await setup(t);
  // The real store, its refresh replaced by one that says when it ran.
  store.refresh = async () => {
    marks.push('refresh');
  };
  const body = '{"prepare_kind":"psql","psql_args":[]}';
  t.equal((await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body })).status, 201);
  t.same(marks, ['refresh', 'handler']);
  marks.length = 0;
  t.equal((await dispatch({ method: 'GET', url: '/v1/open', headers: {} })).status, 200);
  t.same(marks, ['open'], 'a route without auth (health, the API document) does not refresh');
  marks.length = 0;
  const refused = [
    await dispatch({ method: 'POST', url: '/v1/echo', headers: {}, body }),
    await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body: '{"bogus":1}' }),
  ];
  t.same(
    refused.map((r) => r.status),
    [401, 400],
  );
  t.same(marks, [], 'a refused request reads nothing');
});

t.test('a refresh that fails is its coded error; an uncoded one says nothing', async (t) => {
  const { dispatch, auth, store, marks, logger } = await setup(t);
  const body = '{"prepare_kind":"psql","psql_args":[]}';
  store.refresh = async () => {
    throw sqlrsError('unavailable', 'the catalog cannot be reached');
  };
  const coded = await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body });
  t.equal(coded.status, 503);
  t.same(coded.body, { code: 'unavailable', message: 'the catalog cannot be reached' });
  store.refresh = async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.7:5432 (secret internals)');
  };
  const uncoded = await dispatch({ method: 'POST', url: '/v1/echo', headers: auth, body });
  t.equal(uncoded.status, 500);
  t.same(uncoded.body, { code: 'internal_error', message: 'internal error' });
  t.ok(
    logger.lines.some((l) => String(l.error).includes('ECONNREFUSED')),
    'logged instead',
  );
  t.same(marks, [], 'no handler ran');
  t.equal((await dispatch({ method: 'GET', url: '/v1/open', headers: {} })).status, 200);
});
