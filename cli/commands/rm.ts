import type { DeleteNode, DeleteResult } from '../../lib/schema-types.js';
import { bool, parseArgs, requireIdPrefix } from '../args.js';
import { apiError, type EngineClient } from '../client.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT } from '../errors.js';

type Target = { kind: 'instance' | 'state' | 'job'; id: string };

/**
 * `sqlrs rm [-r] [-f] [--dry-run] ID_PREFIX|JOB_ID|NAME`: one id prefix resolved across
 * instances, states and jobs, else an instance name; ambiguity exits 2, no match is a warning
 * and exit 0, blocked exits 4.
 */
export async function rm(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, [
    { name: 'recurse', short: 'r' },
    { name: 'force', short: 'f' },
    { name: 'dry-run' },
  ]);
  const [ref, extra] = p.positionals;
  if (!ref || extra)
    throw new CliError('rm takes exactly one ID_PREFIX, JOB_ID or NAME', EXIT.usage);
  const client = await ctx.client();
  const matches = await resolveTargets(client, ref);
  if (matches.length === 0) {
    ctx.err(`warning: nothing matches ${ref}\n`);
    return EXIT.ok;
  }
  if (matches.length > 1) {
    const list = matches.map((m) => `${m.kind} ${m.id}`).join(', ');
    throw new CliError(`${ref} is ambiguous: ${list}`, EXIT.usage);
  }
  const target = matches[0] as Target;
  const q = new URLSearchParams();
  if (bool(p, 'force')) q.set('force', 'true');
  if (bool(p, 'dry-run')) q.set('dry_run', 'true');
  if (bool(p, 'recurse') && target.kind === 'state') q.set('recurse', 'true');
  const path = target.kind === 'job' ? '/v1/prepare-jobs' : `/v1/${target.kind}s`;
  const reply = await client.call('DELETE', `${path}/${target.id}?${q}`);
  if (reply.status === 404) {
    ctx.err(`warning: ${target.kind} ${target.id} is already gone\n`);
    return EXIT.ok;
  }
  if (reply.status !== 200 && reply.status !== 409) throw apiError(reply);
  const result = reply.body as DeleteResult;
  if (ctx.output === 'json') ctx.out(json(result));
  else ctx.out(printTree(result));
  return result.outcome === 'blocked' ? EXIT.blocked : EXIT.ok;
}

/** An instance name (docs/api.md): resolved as GET /v1/instances/{name} does, by its 307. */
const NAME = /^[A-Za-z0-9._-]{1,63}$/;

async function byName(client: EngineClient, name: string): Promise<Target[]> {
  const reply = await client.call('GET', `/v1/instances/${encodeURIComponent(name)}`);
  const location = reply.status === 307 ? String(reply.headers.location ?? '') : '';
  const id = /^\/v1\/instances\/([0-9a-f]{32})$/.exec(location)?.[1];
  return id ? [{ kind: 'instance', id }] : [];
}

/** An id prefix across instances, states and jobs; else (or failing that) an instance name. */
async function resolveTargets(client: EngineClient, ref: string): Promise<Target[]> {
  const hex = /^[0-9a-fA-F]{8,64}$/.test(ref);
  if (!hex && !NAME.test(ref)) requireIdPrefix(ref, 'an id, or an instance name');
  const matches = hex ? await findTargets(client, ref.toLowerCase()) : [];
  if (matches.length > 0 || !NAME.test(ref)) return matches;
  const named = await byName(client, ref);
  // Not an id at all: a name nobody holds is a mistake, not an already-done delete.
  if (named.length === 0 && !hex)
    throw new CliError(`${ref}: no instance has this name, and it is not an id`, EXIT.usage);
  return named;
}

async function findTargets(client: EngineClient, prefix: string): Promise<Target[]> {
  const out: Target[] = [];
  if (prefix.length <= 32) {
    const inst = await client.call('GET', `/v1/instances?id_prefix=${prefix}`);
    for (const r of inst.body ?? []) out.push({ kind: 'instance', id: r.instance_id });
  }
  const states = await client.call('GET', `/v1/states?id_prefix=${prefix}`);
  for (const r of states.body ?? []) out.push({ kind: 'state', id: r.state_id });
  if (prefix.length === 32) {
    const jobs = await client.call('GET', `/v1/prepare-jobs?job=${prefix}`);
    for (const r of jobs.body ?? []) out.push({ kind: 'job', id: r.job_id });
  }
  return out;
}

/** The deletion tree: `deleted`, `would delete`, `blocked (reason)`, `connections=N`. */
export function printTree(result: DeleteResult): string {
  const lines: string[] = [];
  const verdict = (n: DeleteNode) => {
    if (n.blocked) return `blocked (${n.blocked})`;
    if (result.outcome === 'deleted') return 'deleted';
    return result.outcome === 'blocked' ? 'not deleted' : 'would delete';
  };
  const walk = (n: DeleteNode, prefix: string, branch: string) => {
    const conn = n.connections === undefined ? '' : ` connections=${n.connections}`;
    lines.push(`${prefix}${branch}${n.kind} ${n.id} ${verdict(n)}${conn}`);
    const kids = n.children ?? [];
    const next = prefix + (branch === '' ? '' : branch === '└── ' ? '    ' : '│   ');
    for (const [i, k] of kids.entries()) walk(k, next, i === kids.length - 1 ? '└── ' : '├── ');
  };
  walk(result.root, '', '');
  return `${lines.join('\n')}\n`;
}
