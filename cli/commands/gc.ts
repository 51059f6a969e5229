import type { CacheEvicted } from '../../lib/schema-types.js';
import { bool, parseArgs } from '../args.js';
import { apiError } from '../client.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { formatBytes } from './status.js';

/**
 * `sqlrs gc [--dry-run]`: an eviction pass now (docs/lifecycle.md); prints what went, or with
 * --dry-run what would go. Nothing goes while every server is within its budget.
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
    ctx.out('nothing to evict: every server is within its cache budget\n');
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
