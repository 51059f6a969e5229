import { imageTarget, loadConfig, redactUrl } from '../../lib/config.js';
import type { CacheStatus } from '../../lib/schema-types.js';
import { compileSchemas } from '../../lib/schemas.js';
import { bool, parseArgs } from '../args.js';
import { apiError } from '../client.js';
import { type CliContext, json } from '../context.js';
import { EXIT } from '../errors.js';
import { serverAnswers } from '../server-answers.js';

interface ImageStatus {
  id: string;
  kind: string;
  url: string;
  ok: boolean;
}

/** `sqlrs status`: the engine and each configured image with whether its server answers. */
export async function status(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, [{ name: 'cache' }]);
  const client = await ctx.client();
  const e = client.engine;
  const images = await imageStatuses(ctx);
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
    ctx.out(`image     ${i.id.padEnd(16)} ${i.ok ? 'ok         ' : 'unreachable'} ${i.url}\n`);
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

/** The configured images (or the local defaults), each asked whether its server answers. */
async function imageStatuses(ctx: CliContext): Promise<ImageStatus[]> {
  const config = loadConfig(ctx.stateDir, compileSchemas(), ctx.env);
  const ids = Object.keys(config.images ?? {});
  if (ids.length === 0) ids.push(config.default_image ?? 'postgres', 'mariadb');
  return Promise.all(
    ids.map(async (id) => {
      const target = imageTarget(config, id, ctx.env);
      return {
        id,
        kind: target.kind,
        url: redactUrl(target.url),
        ok: await serverAnswers(target.url),
      };
    }),
  );
}
