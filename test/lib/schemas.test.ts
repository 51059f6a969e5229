import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { compileSchemas, describeError, SCHEMA_BASE, schemaDir } from '../../lib/schemas.js';

t.test('every schema file has an $id matching its file name and a title', async (t) => {
  const dir = schemaDir();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    t.equal(schema.$id, `${SCHEMA_BASE}${file}`, file);
    t.type(schema.title, 'string', `${file} has a title (the generated type name)`);
  }
});

t.test('compiled once in strict mode; check names the failing field', async (t) => {
  const v = compileSchemas();
  t.same(v.check('names-query.json', { image: 'postgres:15' }, 'query'), { image: 'postgres:15' });
  t.throws(() => v.check('names-query.json', { instance: 'zz' }, 'query'), {
    code: 'invalid_argument',
    message: /query parameter "instance": must match pattern/,
  });
  t.throws(() => v.check('state-entry.json', {}, 'response'), {
    message: /missing field response\.state_id/,
  });
  t.equal(v.errors('error.json', { code: 'not_found', message: 'x' }), null);
  t.ok(v.errors('error.json', { code: 'nope', message: 'x' }));
  t.throws(() => v.check('no-such.json', {}, 'body'), /no schema/);
});

t.test('describeError wording', async (t) => {
  t.equal(describeError(undefined, 'body'), 'invalid body');
  const base = { schemaPath: '', message: 'must be string' };
  t.equal(
    describeError({ ...base, keyword: 'type', instancePath: '/psql_args/3', params: {} }, 'body'),
    'body.psql_args[3]: must be string',
  );
  t.equal(
    describeError(
      {
        ...base,
        keyword: 'additionalProperties',
        instancePath: '',
        params: { additionalProperty: 'x' },
      },
      'query',
    ),
    'unknown query parameter "x"',
  );
});

t.test('strict mode rejects a schema with an unknown keyword', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
  writeFileSync(
    join(dir, 'x.json'),
    JSON.stringify({ $id: `${SCHEMA_BASE}x.json`, type: 'object', bogus: 1 }),
  );
  t.throws(() => compileSchemas(dir), /unknown keyword/);
});
