import type { CacheEvicted, CacheStatus } from '../../lib/schema-types.js';
import { bool, parseArgs } from '../args.js';
import { apiError } from '../client.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { formatBytes } from './status.js';

/**
 * `sqlrs gc [--dry-run]`: an eviction pass now (docs/lifecycle.md); prints what went, or with
 * --dry-run what would go. Nothing goes while every server is within its budget; a server over
 * it whose states are all held keeps them, and is named as such.
 */
export async function gc(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, [{ name: 'dry-run' }]);
  if (p.positionals.length > 0) throw new CliError('gc takes no arguments', EXIT.usage);
  const client = await ctx.client();
  const dryRun = bool(p, 'dry-run');
  const reply = await client.call('POST', `/v1/cache/evict?dry_run=${dryRun}`);
  if (reply.status !== 200) throw apiError(reply);
  const result = reply.body as CacheEvicted;
  if (ctx.output === 'json') {
    ctx.out(json(result));
    return EXIT.ok;
  }
  if (result.evicted.length === 0) {
    ctx.out(await nothingEvicted(client));
    return EXIT.ok;
  }
  const verb = dryRun ? 'would evict' : 'evicted';
  let total = 0;
  for (const e of result.evicted) {
    total += e.bytes;
    ctx.out(
      `${verb} ${e.kind.replace('_', ' ')} ${e.id} (${e.image_id}, ${formatBytes(e.bytes)})\n`,
    );
  }
  ctx.out(`${verb} ${result.evicted.length} in all, ${formatBytes(total)}\n`);
  return EXIT.ok;
}

/**
 * An empty pass: every server within its budget, or what is left over a budget is held (an
 * instance, a child state, a job, cache_min_age): say which.
 */
async function nothingEvicted(client: Awaited<ReturnType<CliContext['client']>>): Promise<string> {
  const reply = await client.call('GET', '/v1/cache');
  if (reply.status !== 200) throw apiError(reply);
  const over = (reply.body as CacheStatus).servers.filter(
    (s) => s.max_bytes > 0 && s.usage_bytes > s.max_bytes,
  );
  if (over.length === 0) return 'nothing to evict: every server is within its cache budget\n';
  const lines = over.map(
    (s) =>
      `${s.image_ids.join(',')}: ${formatBytes(s.usage_bytes)}, over its budget of ${formatBytes(s.max_bytes)}; what remains is held\n`,
  );
  return `nothing to evict\n${lines.join('')}`;
}
