import type { CacheStatus, ImageList } from '../../lib/schema-types.js';
import { bool, parseArgs } from '../args.js';
import { apiError, type EngineClient } from '../client.js';
import { type CliContext, json } from '../context.js';
import { EXIT } from '../errors.js';

interface ImageStatus {
  id: string;
  kind: string;
  url: string;
  ok: boolean;
  default: boolean;
}

/** `sqlrs status`: the engine and each of its images with whether its server answers it. */
export async function status(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, [{ name: 'cache' }]);
  const client = await ctx.client();
  const e = client.engine;
  const images = await imageStatuses(client);
  let cache: CacheStatus | undefined;
  if (bool(p, 'cache')) {
    const reply = await client.call('GET', '/v1/cache');
    if (reply.status !== 200) throw apiError(reply);
    cache = reply.body as CacheStatus;
  }
  const report = {
    ok: true,
    endpoint: e.endpoint,
    version: e.version,
    instanceId: e.instanceId,
    pid: e.pid,
    stateDir: e.stateDir,
    images,
    ...(cache ? { cache } : {}),
  };
  if (ctx.output === 'json') {
    ctx.out(json(report));
    return EXIT.ok;
  }
  ctx.out(
    `engine    ${e.endpoint} (pid ${e.pid}, version ${e.version})\nstate dir ${e.stateDir}\n`,
  );
  for (const i of images)
    ctx.out(
      `image     ${i.id.padEnd(16)} ${i.ok ? 'ok         ' : 'unreachable'} ${i.url}${i.default ? ' (default)' : ''}\n`,
    );
  if (cache) ctx.out(cacheLines(cache));
  return EXIT.ok;
}

/** One line per server: usage against the budget, what it holds, what could go. */
function cacheLines(cache: CacheStatus): string {
  const lines = cache.servers.map((s) => {
    const max = s.max_bytes === 0 ? 'no budget' : formatBytes(s.max_bytes);
    const measured = s.measured ? '' : ' (not measured: server unreachable)';
    return `cache     ${s.image_ids.join(',').padEnd(16)} ${formatBytes(s.usage_bytes)} of ${max}: ${s.state_count} states, ${s.warm_count} warm copies, ${s.instance_count} instances; ${formatBytes(s.reclaimable_bytes)} reclaimable${measured}\n`;
  });
  if (cache.servers.length === 0) lines.push('cache     empty\n');
  const last = cache.last_eviction;
  if (last)
    lines.push(
      `evicted   ${last.at}: ${last.states} states, ${last.warm_copies} warm copies, ${formatBytes(last.bytes)}\n`,
    );
  return lines.join('');
}

/** Bytes for people: 1.5 MiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/**
 * The images as the engine has them (its config.json and environment, not the CLI's), each with
 * whether its server answers the engine: GET /v1/images (docs/api.md, "Images").
 */
async function imageStatuses(client: EngineClient): Promise<ImageStatus[]> {
  const reply = await client.call('GET', '/v1/images');
  if (reply.status !== 200) throw apiError(reply);
  return (reply.body as ImageList).map((i) => ({
    id: i.image_id,
    kind: i.kind,
    url: i.url,
    ok: i.answers,
    default: i.default,
  }));
}
