import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArgument } from './errors.js';
import { cacheBudget } from './lifecycle/budget.js';
import { lifecycleSettings } from './lifecycle/settings.js';
import type { EngineConfig } from './schema-types.js';
import type { Validators } from './schemas.js';

export type { EngineConfig };
export type DbmsKind = 'postgres' | 'mysql';

export interface ImageTarget {
  imageId: string;
  kind: DbmsKind;
  /** Server URL with its credentials; never logged or returned as is (see redactUrl). */
  url: string;
}

/**
 * Loads `<state dir>/config.json` (or takes `given` instead, for cloud functions) and the
 * environment overrides: SQLRS_IMAGES (a JSON object of image id to URL, merged over the
 * file's), SQLRS_DEFAULT_IMAGE, SQLRS_PSQL and SQLRS_CATALOG.
 */
export function loadConfig(
  stateDir: string,
  validators: Validators,
  env = process.env,
  given?: EngineConfig,
): EngineConfig {
  const path = join(stateDir, 'config.json');
  let fromFile: unknown = given ?? {};
  try {
    if (!given) fromFile = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`config ${path} cannot be read: ${(err as Error).message}`);
    }
  }
  // Spreading an array or a string would make a config out of its elements: refuse them.
  if (!isObject(fromFile)) throw new Error(`config ${path} must be a JSON object`);
  const config = { ...(fromFile as EngineConfig) };
  if (env.SQLRS_IMAGES) {
    const images = parseOr(env.SQLRS_IMAGES);
    if (!isObject(images)) {
      throw new Error('SQLRS_IMAGES must be a JSON object of image id to server URL');
    }
    config.images = { ...config.images, ...(images as Record<string, string>) }; // checked below
  }
  if (env.SQLRS_DEFAULT_IMAGE) config.default_image = env.SQLRS_DEFAULT_IMAGE;
  if (env.SQLRS_PSQL) config.psql_path = env.SQLRS_PSQL;
  if (env.SQLRS_CATALOG) config.catalog = env.SQLRS_CATALOG;
  try {
    const valid = validators.check<EngineConfig>('engine-config.json', config, 'config');
    // Else every prepare without image_id would fail, blaming an image_id it never gave.
    if (valid.default_image !== undefined) imageTarget(valid, valid.default_image, env);
    cacheBudget(valid); // a config given in code skips nothing the file would be refused for
    lifecycleSettings(valid); // durations past their bounds are refused here, by name
    catalogTarget(valid); // a URL the schema's pattern lets by but no client could parse
    return valid;
  } catch (err) {
    throw new Error(`config ${path}: ${(err as Error).message}`);
  }
}

export const DEFAULT_CATALOG_SCHEMA = 'sqlrs_catalog';

/** Where the catalog lives (docs/runtime.md, "Config"; a shared one: docs/scaling.md). */
export type CatalogTarget =
  | { kind: 'sqljs' }
  | {
      kind: 'postgres';
      /** With its credentials; never logged or returned as is (see redactUrl). */
      url: string;
      schema: string;
    };

/**
 * The config's `catalog` (already validated against the schema): absent or `sqljs`, the
 * catalog embedded in the state dir; a PostgreSQL URL, a catalog shared by every engine given
 * the same URL and `catalog_schema`. The error names the key and never the URL, which may
 * carry a password.
 */
export function catalogTarget(config: EngineConfig): CatalogTarget {
  const catalog = config.catalog ?? 'sqljs';
  if (catalog === 'sqljs') return { kind: 'sqljs' };
  if (!URL.canParse(catalog) || new URL(catalog).hostname === '')
    throw invalidArgument('catalog: not a PostgreSQL URL with a host (postgres://user@host/db)');
  return {
    kind: 'postgres',
    url: catalog,
    schema: config.catalog_schema ?? DEFAULT_CATALOG_SCHEMA,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The local servers used when no config names an image (docs/prepare.md), found as libpq would. */
export function defaultUrl(kind: DbmsKind, env = process.env): string {
  if (kind === 'postgres') {
    const user = encodeURIComponent(env.PGUSER ?? 'postgres');
    const pass = env.PGPASSWORD ? `:${encodeURIComponent(env.PGPASSWORD)}` : '';
    const host = env.PGHOST ?? '127.0.0.1';
    const port = env.PGPORT ?? '5432';
    // A socket directory goes in the query: a WHATWG URL cannot have a user and an empty host.
    if (host.startsWith('/')) {
      return `postgres://${user}${pass}@localhost:${port}/postgres?host=${encodeURIComponent(host)}`;
    }
    return `postgres://${user}${pass}@${host}:${port}/postgres`;
  }
  const user = encodeURIComponent(env.MYSQL_USER ?? 'root');
  const pass = env.MYSQL_PASSWORD ? `:${encodeURIComponent(env.MYSQL_PASSWORD)}` : '';
  return `mysql://${user}${pass}@${env.MYSQL_HOST ?? '127.0.0.1'}:${env.MYSQL_PORT ?? '3306'}/`;
}

export const kindOfUrl = (url: string): DbmsKind =>
  /^(mysql|mariadb):/.test(url) ? 'mysql' : 'postgres';

/**
 * The server an image id names: the configured URL, else (for ids named postgres, mysql or
 * mariadb, with or without a version tag) the local default server.
 */
export function imageTarget(
  config: EngineConfig,
  requested: string | undefined,
  env = process.env,
): ImageTarget {
  const imageId = requested ?? config.default_image ?? 'postgres';
  const configured = config.images?.[imageId];
  if (configured) return { imageId, kind: kindOfUrl(configured), url: configured };
  const family = imageId.split(':')[0];
  if (family === 'postgres') return { imageId, kind: 'postgres', url: defaultUrl('postgres', env) };
  if (family === 'mysql' || family === 'mariadb')
    return { imageId, kind: 'mysql', url: defaultUrl('mysql', env) };
  throw invalidArgument(
    `image_id ${imageId} is not configured`,
    'configure it in config.json "images"',
  );
}

// DSNs of the plain form the engine writes (a database scheme, which WHATWG URL treats as
// non-special: no case folding, no default port, an opaque host), made only of characters URL
// serializes as they are, with no `.` path segment and a port of no leading zero. For these,
// new URL(x).toString() is x, so the password is cut out by position: an instance listing
// redacts every row's DSN, and parsing each was most of the listing's cost.
// test/lib/config.test.ts checks the equivalence on generated DSNs.
const PLAIN_DSN =
  /^((?:postgres|postgresql|mysql|mariadb):\/\/[\w.~%-]+)(:[\w.~%-]+)?(@[a-zA-Z0-9.-]+(?::([1-9]\d{0,4}))?(?:\/\w*)?(?:\?[\w.~%=&-]*)?)$/;

// Query parameters that carry a secret or a key file: pg and mysql2 read any connection option
// from the query (`?password=`, `?sslpassword=`, mysql2's `?password1=`), not only the userinfo.
const SECRET_PARAM = /pass|secret|token|key/i;

/** A URL with its password removed (userinfo and secret query parameters), fit for logs and error details. */
export function redactUrl(url: string): string {
  const plain = PLAIN_DSN.exec(url);
  // The fast path only for a query with no secret parameter: one is removed by the URL path.
  if (
    plain &&
    Number(plain[4] ?? 0) <= 65535 &&
    !SECRET_PARAM.test((plain[3] ?? '').split('?')[1] ?? '')
  )
    return `${plain[1]}${plain[3]}`;
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    for (const name of [...u.searchParams.keys()])
      if (SECRET_PARAM.test(name)) u.searchParams.delete(name);
    return u.toString().replace(/^(\w+:\/\/[^@/]*):@/, '$1@');
  } catch {
    return '<invalid url>';
  }
}
