import { imageTarget, loadConfig, redactUrl } from '../../lib/config.js';
import { compileSchemas } from '../../lib/schemas.js';
import { parseArgs } from '../args.js';
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
  parseArgs(ctx.argv, []);
  const client = await ctx.client();
  const e = client.engine;
  const images = await imageStatuses(ctx);
  const report = {
    ok: true,
    endpoint: e.endpoint,
    version: e.version,
    instanceId: e.instanceId,
    pid: e.pid,
    stateDir: e.stateDir,
    images,
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
  return EXIT.ok;
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
