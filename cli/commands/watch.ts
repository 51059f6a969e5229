import { parseArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { watchJob } from '../watch.js';

/** `sqlrs watch JOB_ID`: follows a job (e.g. one started with --no-watch) to its end. */
export async function watch(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, []);
  const [jobId, extra] = p.positionals;
  if (!jobId || extra || !/^[0-9a-f]{32}$/.test(jobId))
    throw new CliError('watch takes one full JOB_ID', EXIT.usage);
  const client = await ctx.client();
  const found = await client.call('GET', `/v1/prepare-jobs/${jobId}`);
  if (found.status === 404) throw new CliError(`job ${jobId} not found`, EXIT.usage);
  return watchJob(ctx, client, jobId);
}
