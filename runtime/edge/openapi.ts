import { SCHEMA_BASE } from '../../lib/schemas.js';
import type { Route } from './types.js';

type Json = Record<string, unknown>;

const NDJSON_LISTS = new Set([
  'name-list.json',
  'instance-list.json',
  'state-list.json',
  'job-list.json',
  'task-list.json',
]);

/**
 * The OpenAPI 3.1 document of the engine, generated from the route table and schemas/ (the
 * same sources the dispatcher validates with), so it cannot drift from what the engine does.
 */
export function buildOpenApi(routes: readonly Route[], schemas: Json[], version: string): Json {
  const byFile = new Map(schemas.map((s) => [(s.$id as string).slice(SCHEMA_BASE.length), s]));
  const components: Record<string, unknown> = {};
  for (const [file, schema] of byFile) {
    if (file === 'common.json') {
      for (const [name, def] of Object.entries(schema.$defs as Json))
        components[`Common_${name}`] = rewriteRefs(def, byFile);
    } else {
      components[schema.title as string] = rewriteRefs(schema, byFile);
    }
  }
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const path = route.pattern.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Json)[route.method.toLowerCase()] = operation(route, byFile);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'sqlrs engine',
      version,
      description: 'Cached database states and private copies of them.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'authToken from engine.json' },
      },
    },
  };
}

function ref(file: string, byFile: Map<string, Json>): Json {
  return { $ref: `#/components/schemas/${byFile.get(file)?.title as string}` };
}

/** `x.json` -> `#/components/schemas/X`; `common.json#/$defs/y` -> `#/components/schemas/Common_y`. */
function rewriteRefs(node: unknown, byFile: Map<string, Json>): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, byFile));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$id' || key === '$defs') continue;
    if (key === '$ref' && typeof value === 'string') {
      const [file, fragment] = value.split('#');
      out.$ref = fragment
        ? `#/components/schemas/Common_${fragment.split('/').pop()}`
        : (ref(file as string, byFile).$ref as string);
    } else {
      out[key] = rewriteRefs(value, byFile);
    }
  }
  return out;
}

function operation(route: Route, byFile: Map<string, Json>): Json {
  const params = [...route.pattern.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = byFile.get(route.query);
  for (const [name, schema] of Object.entries((query?.properties as Json) ?? {})) {
    // A parameter's description is the parameter's, where OpenAPI readers look for it.
    const { description, ...rest } = schema as Json;
    params.push({
      name,
      in: 'query',
      required: false,
      schema: rewriteRefs(rest, byFile) as never,
      ...(typeof description === 'string' ? { description } : {}),
    });
  }
  const op: Json = {
    summary: route.summary,
    operationId: operationId(route),
    parameters: params,
    responses: responses(route, byFile),
  };
  if (route.body)
    op.requestBody = {
      required: true,
      content: { 'application/json': { schema: ref(route.body, byFile) } },
    };
  if (!route.auth) op.security = [];
  return op;
}

function responses(route: Route, byFile: Map<string, Json>): Json {
  const out: Json = {};
  for (const [status, file] of Object.entries(route.responses)) {
    const description =
      Number(status) === 307 ? 'Redirect to the canonical id URL' : `HTTP ${status}`;
    if (file === null) {
      out[status] = { description };
      continue;
    }
    const content: Json = { 'application/json': { schema: ref(file, byFile) } };
    if (NDJSON_LISTS.has(file)) {
      const list = byFile.get(file) as Json;
      content['application/x-ndjson'] = { schema: rewriteRefs((list.items as Json) ?? {}, byFile) };
    }
    if (file === 'job-event.json')
      out[status] = {
        description: 'NDJSON stream of JobEvent',
        content: { 'application/x-ndjson': { schema: ref(file, byFile) } },
      };
    else out[status] = { description, content };
  }
  return out;
}

function operationId(route: Route): string {
  const words = route.pattern
    .replace(/^\/v1\//, '')
    .split(/[/:-]+/)
    .filter(Boolean);
  return [route.method.toLowerCase(), ...words.map((w) => w[0]?.toUpperCase() + w.slice(1))].join(
    '',
  );
}
