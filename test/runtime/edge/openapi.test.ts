import { Validator } from '@seriousme/openapi-schema-validator';
import t from 'tap';
import { compileSchemas } from '../../../lib/schemas.js';
import { buildOpenApi } from '../../../runtime/edge/openapi.js';
import { ROUTES } from '../../../runtime/edge/routes.js';
import { testEngine } from '../../helpers/engine.js';

t.test('GET /v1/openapi.json is a valid OpenAPI 3.1 document covering every route', async (t) => {
  const e = await testEngine(t);
  const res = await e.call('GET', '/v1/openapi.json', { token: null });
  t.equal(res.status, 200);
  const doc = res.json();
  const result = await new Validator().validate(doc);
  t.same(result.errors, undefined, 'the OpenAPI validator accepts it');
  t.equal(result.valid, true);
  for (const r of ROUTES) {
    const path = r.pattern.replace(/:([A-Za-z]+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    t.ok(op, `${r.method} ${path}`);
    t.same(
      Object.keys(op.responses).sort(),
      Object.keys(r.responses).sort(),
      `${r.method} ${path} responses`,
    );
    if (r.body) t.ok(op.requestBody, `${r.method} ${path} body`);
    t.same(op.security, r.auth ? undefined : [], `${r.method} ${path} security`);
  }
  t.same(doc.components.securitySchemes.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: 'authToken from engine.json',
  });
  const params = doc.paths['/v1/states/{stateId}'].delete.parameters.map(
    (p: { name: string; in: string }) => `${p.in}:${p.name}`,
  );
  t.same(params, ['path:stateId', 'query:recurse', 'query:force', 'query:dry_run']);
  const create = doc.paths['/v1/prepare-jobs'].post;
  t.match(create.parameters, [
    { name: 'wait', in: 'query', description: /201/, schema: { type: 'string' } },
  ]);
  t.match(create.responses['201'], {
    content: { 'application/json': { schema: { $ref: '#/components/schemas/JobStatus' } } },
  });
});

t.test('every $ref resolves inside the document', async (t) => {
  const doc = buildOpenApi(ROUTES, compileSchemas().schemas, 'x') as Record<string, unknown>;
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  const schemas = (doc.components as { schemas: Record<string, unknown> }).schemas;
  for (const r of new Set(refs)) {
    const name = r.split('/').pop()?.replace('"', '') as string;
    t.ok(schemas[name], r);
  }
});
