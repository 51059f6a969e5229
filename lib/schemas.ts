import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { invalidArgument } from './errors.js';

export const SCHEMA_BASE = 'https://sqlrs.dev/schemas/';

/** The schemas directory ships with the package, next to dist/ (two levels up from dist/lib). */
export function schemaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'schemas'), join(here, '..', '..', 'schemas')]) {
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      // try the next layout
    }
  }
  throw new Error('schemas directory not found');
}

export function loadSchemaFiles(dir = schemaDir()): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
}

/** Where a value came from, so a validation error can name the field the user got wrong. */
export type Origin = 'body' | 'query' | 'response' | 'config';

export interface Validators {
  /** Throws invalid_argument naming the first failing field; returns the value typed as T. */
  check<T>(schemaFile: string, value: unknown, origin: Origin): T;
  /** True when the value conforms; for tests and response checks. */
  errors(schemaFile: string, value: unknown): ErrorObject[] | null;
  /** Whether a schema file of that name was compiled: the router checks its table with this. */
  has(schemaFile: string): boolean;
  schemas: Record<string, unknown>[];
}

/** Compiles every schema once, in strict mode. Called at start-up; the result goes in deps. */
export function compileSchemas(dir?: string): Validators {
  const schemas = loadSchemaFiles(dir);
  const ajv = new Ajv({ strict: true, allErrors: false, schemas });
  const cache = new Map<string, ValidateFunction>();
  for (const schema of schemas) {
    const id = schema.$id as string;
    if ((schema.type ?? schema.oneOf ?? schema.enum) !== undefined) {
      cache.set(id.slice(SCHEMA_BASE.length), ajv.getSchema(id) as ValidateFunction);
    }
  }
  const get = (file: string) => {
    const fn = cache.get(file);
    if (!fn) throw new Error(`no schema ${file}`);
    return fn;
  };
  return {
    schemas,
    has: (file) => cache.has(file),
    check<T>(file: string, value: unknown, origin: Origin): T {
      const fn = get(file);
      if (!fn(value)) throw invalidArgument(describeError(fn.errors?.[0], origin));
      return value as T;
    },
    errors(file: string, value: unknown) {
      const fn = get(file);
      return fn(value) ? null : (fn.errors ?? []);
    },
  };
}

/** `body.psql_args[2]: must be string`, `query parameter "force": must be a boolean`, ... */
export function describeError(err: ErrorObject | undefined, origin: Origin): string {
  if (!err) return `invalid ${origin}`;
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('');
  const params = err.params as Record<string, unknown>;
  if (err.keyword === 'additionalProperty' || err.keyword === 'additionalProperties') {
    return origin === 'query'
      ? `unknown query parameter "${String(params.additionalProperty)}"`
      : `unknown field ${origin}${path}.${String(params.additionalProperty)}`;
  }
  if (err.keyword === 'required') {
    return `missing field ${origin}${path}.${String(params.missingProperty)}`;
  }
  const field = origin === 'query' ? `query parameter "${path.slice(1)}"` : `${origin}${path}`;
  if (err.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    const allowed = params.allowedValues.map((v) => JSON.stringify(v)).join(', ');
    return `${field}: must be one of ${allowed}`;
  }
  return `${field}: ${err.message ?? 'is invalid'}`;
}
