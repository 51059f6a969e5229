import { type FileArgs, resolveMysqlFiles, resolvePsqlFiles } from './file-args.js';
import type { PrepareSpec } from './types.js';

/** What the request carries besides the tool's arguments. */
export interface RequestFields {
  /** Relative file paths resolve against it (default process.cwd()). */
  cwd?: string;
  image?: string;
  name?: string;
  ttlSeconds?: number;
}

/** The spec's tool arguments with their file paths made absolute, and whether one is stdin. */
export function specFiles(spec: PrepareSpec, cwd: string): FileArgs {
  return 'psql' in spec ? resolvePsqlFiles(spec.psql, cwd) : resolveMysqlFiles(spec.mysql, cwd);
}

/**
 * The prepare request (docs/api.md, docs/prepare.md) for a spec, as both the CLI's prepare and
 * exec commands and the JS client send it: file paths absolute, `stdin` as the spec gives it.
 * Kept apart from the job's HTTP (prepare-job.ts) so that the CLI loads no undici.
 */
export function prepareBody(spec: PrepareSpec, fields: RequestFields): Record<string, unknown> {
  const kind = 'psql' in spec ? 'psql' : 'mysql';
  const { args } = specFiles(spec, fields.cwd ?? process.cwd());
  const body: Record<string, unknown> = { prepare_kind: kind, [`${kind}_args`]: args };
  if (spec.stdin !== undefined) body.stdin = spec.stdin;
  if (fields.image !== undefined) body.image_id = fields.image;
  if (fields.name !== undefined) body.name = fields.name;
  if (fields.ttlSeconds !== undefined) body.ttl_seconds = fields.ttlSeconds;
  return body;
}
