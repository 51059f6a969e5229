import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { liveEngine } from '../../lib/client/local-engine/live-engine.js';
import { DEFAULT_CATALOG_SCHEMA } from '../../lib/config.js';
import { pidAlive } from '../../lib/engine-files/pid-alive.js';
import { type CopyCounts, copyRows, rowsToCopy } from '../../lib/store/copy-catalog.js';
import { prepareCopyTarget } from '../../lib/store/postgres/copy-target.js';
import { openPostgresStore } from '../../lib/store/postgres/index.js';
import { quotedSchema } from '../../lib/store/postgres/schema.js';
import { openSqljsStore, STATE_DB } from '../../lib/store/sqljs/index.js';
import { parseArgs, str } from '../args.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT, usage } from '../errors.js';

/** The lock file the engine holds in its state dir while it runs (docs/runtime.md). */
const ENGINE_LOCK = 'engine.lock';

/**
 * `sqlrs catalog copy --to URL [--schema NAME]` (docs/cli.md, docs/scaling.md): copies the
 * state dir's embedded catalog (states, instances, names) into a shared catalog, skipping
 * the keys it already has. The embedded catalog must not be in use: a running engine would
 * write it while it is read.
 */
export async function catalog(ctx: CliContext): Promise<number> {
  const [sub, ...rest] = ctx.argv;
  if (sub !== 'copy')
    throw usage(
      sub === undefined ? 'catalog needs a subcommand: copy' : `unknown catalog subcommand ${sub}`,
    );
  const p = parseArgs(rest, [
    { name: 'to', value: true },
    { name: 'schema', value: true },
  ]);
  if (p.positionals.length > 0) throw usage(`catalog copy takes no arguments (see --help)`);
  const url = str(p, 'to');
  if (url === undefined) throw usage('catalog copy needs --to postgres://USER@HOST/DB');
  // Never echoed: the URL may carry a password.
  if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url) || new URL(url).hostname === '')
    throw usage('--to: not a PostgreSQL URL with a host (postgres://USER@HOST/DB)');
  const schema = str(p, 'schema') ?? DEFAULT_CATALOG_SCHEMA;
  try {
    quotedSchema(schema);
  } catch (err) {
    throw usage(`--schema: ${(err as Error).message}`);
  }
  await refuseInUse(ctx.stateDir);
  if (!existsSync(join(ctx.stateDir, STATE_DB)))
    throw new CliError(`no embedded catalog in ${ctx.stateDir} (no ${STATE_DB})`, EXIT.usage);

  const source = await openSqljsStore({ dir: ctx.stateDir });
  try {
    const { items, unfinished } = rowsToCopy(source);
    const ids = { catalogId: source.catalogId, lockSecret: source.lockSecret };
    const { server } = await prepareCopyTarget(url, schema, ids).catch(cliFailure);
    const target = await openPostgresStore({ url, schema }).catch(cliFailure);
    try {
      const progress = (done: number, total: number) => {
        if (ctx.output === 'human')
          ctx.err(
            `${ctx.stderrIsTTY ? '\r' : ''}copying: ${done}/${total} rows${ctx.stderrIsTTY ? '' : '\n'}`,
          );
      };
      const { copied, skipped } = await copyRows(target, items, { onProgress: progress }).catch(
        cliFailure,
      );
      if (ctx.stderrIsTTY && ctx.output === 'human' && items.length > 0) ctx.err('\n');
      const report = { server, schema, catalog_id: source.catalogId, copied, skipped, unfinished };
      ctx.out(ctx.output === 'json' ? json(report) : summary(report));
    } finally {
      await target.close().catch(() => undefined);
    }
  } finally {
    await source.close();
  }
  return EXIT.ok;
}

/** Refuses while an engine runs on (or is starting in) the state dir. */
async function refuseInUse(stateDir: string): Promise<void> {
  const live = await liveEngine(stateDir);
  const lockPid = Number.parseInt(
    (await readFile(join(stateDir, ENGINE_LOCK), 'utf8').catch(() => '')).trim(),
    10,
  );
  const pid = live?.pid ?? (pidAlive(lockPid) ? lockPid : undefined);
  if (pid !== undefined)
    throw new CliError(
      `the engine of ${stateDir} is running (pid ${pid}) and uses its catalog; run sqlrs stop first`,
      EXIT.blocked,
    );
}

/** Catalog errors (server unreachable, another catalog there) end as one line, exit 3. */
function cliFailure(err: unknown): never {
  const e = err as { code?: unknown; message?: string };
  if (typeof e?.code === 'string' && !/^\d/.test(e.code))
    throw new CliError(
      e.message ?? String(err),
      e.code === 'conflict' ? EXIT.blocked : EXIT.engine,
    );
  throw new CliError(`catalog copy failed: ${(err as Error)?.message ?? String(err)}`, EXIT.engine);
}

const counts = (c: CopyCounts) => `${c.states} states, ${c.instances} instances, ${c.names} names`;
const total = (c: CopyCounts) => c.states + c.instances + c.names;

function summary(r: {
  server: string;
  schema: string;
  copied: CopyCounts;
  skipped: CopyCounts;
  unfinished: CopyCounts;
}): string {
  const where = `schema ${r.schema} at ${r.server}`;
  const lines = [
    total(r.copied) > 0
      ? `copied ${counts(r.copied)} into ${where}`
      : total(r.skipped) > 0
        ? `nothing to copy: ${where} already has every row (${total(r.skipped)} skipped)`
        : `nothing to copy: the embedded catalog has no states, instances or names`,
  ];
  if (total(r.copied) > 0 && total(r.skipped) > 0)
    lines.push(`skipped ${counts(r.skipped)} already there`);
  if (total(r.unfinished) > 0)
    lines.push(
      `left behind ${counts(r.unfinished)} of unfinished operations (start and stop the engine of this state dir to settle them, then copy again)`,
    );
  return `${lines.join('\n')}\n`;
}
