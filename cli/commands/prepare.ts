import { prepareBody, specFiles } from '../../lib/client/prepare-request.js';
import type { PrepareSpec } from '../../lib/client/types.js';
import { parseDuration } from '../../lib/duration.js';
import { bool, parseArgs, str } from '../args.js';
import { apiError } from '../client.js';
import { type CliContext, json, readAll } from '../context.js';
import { EXIT, usage } from '../errors.js';
import { watchJob } from '../watch.js';

const SPECS = [
  { name: 'image', value: true },
  { name: 'name', value: true },
  { name: 'ttl', value: true },
  { name: 'no-watch' },
];

/** The longest --ttl: 31 days, as the engine takes (docs/lifecycle.md). */
const MAX_TTL_SECONDS = 2_678_400;

/** `--ttl 30m` as whole seconds; anything else is a usage error that names --ttl. */
export function ttlSeconds(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw usage(`--ttl ${text}: not a duration (use e.g. 90s, 30m, 2h)`);
  }
  const s = ms / 1000;
  if (!Number.isInteger(s) || s < 1 || s > MAX_TTL_SECONDS)
    throw usage(`--ttl ${text}: must be whole seconds from 1s to 744h (31 days)`);
  return s;
}

/** `prepare:psql`, `plan:psql`, `prepare:mysql`, `plan:mysql`. */
export function prepareCommand(kind: 'psql' | 'mysql', planOnly: boolean) {
  return async (ctx: CliContext): Promise<number> => {
    const p = parseArgs(ctx.argv, SPECS, { passThrough: true });
    const toolArgs = [...p.positionals, ...p.rest];
    if (toolArgs.length === 0)
      throw usage(
        `${planOnly ? 'plan' : 'prepare'}:${kind} needs ${kind} arguments, e.g. -- -f schema.sql`,
      );
    const body = await requestBody(ctx, kind, toolArgs, planOnly, p);
    const client = await ctx.client();
    const reply = await client.call('POST', '/v1/prepare-jobs', body);
    if (reply.status !== 202) throw apiError(reply);
    const { job_id: jobId, status_url: statusUrl, events_url: eventsUrl } = reply.body;
    if (bool(p, 'no-watch')) {
      if (ctx.output === 'json') ctx.out(json(reply.body));
      else
        ctx.out(
          `JOB_ID=${jobId}\nSTATUS_URL=${client.url(statusUrl)}\nEVENTS_URL=${client.url(eventsUrl)}\n`,
        );
      return EXIT.ok;
    }
    return watchJob(ctx, client, jobId);
  };
}

/** The prepare request for the command's tool arguments and flags (lib/client/prepare-request.ts). */
export async function requestBody(
  ctx: CliContext,
  kind: 'psql' | 'mysql',
  toolArgs: string[],
  planOnly: boolean,
  p: ReturnType<typeof parseArgs>,
): Promise<Record<string, unknown>> {
  const spec: PrepareSpec = kind === 'psql' ? { psql: toolArgs } : { mysql: toolArgs };
  if (specFiles(spec, ctx.cwd).readsStdin) spec.stdin = await readAll(ctx.stdin);
  const ttl = str(p, 'ttl');
  const body = prepareBody(spec, {
    cwd: ctx.cwd,
    image: str(p, 'image') || undefined,
    name: str(p, 'name') || undefined,
    ttlSeconds: ttl === undefined ? undefined : ttlSeconds(ttl),
  });
  if (planOnly) body.plan_only = true;
  return body;
}
