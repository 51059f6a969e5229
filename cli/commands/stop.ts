import { join } from 'node:path';
import { liveEngine } from '../../lib/client/local-engine/live-engine.js';
import { readEngineJson, removeEngineJson } from '../../lib/engine-files/engine-json.js';
import { pidAlive } from '../../lib/engine-files/pid-alive.js';
import { parseArgs } from '../args.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT } from '../errors.js';

/** Longer than a stop takes: the engine cancels its jobs and drops their build databases. */
const STOP_WAIT_MS = 60_000;

/**
 * `sqlrs stop` (docs/cli.md): a graceful stop of the state dir's engine. SIGTERM goes only to a
 * pid that answers health as that engine (a pid named by a stale engine.json may be anyone's
 * now); then it waits until the process is gone and engine.json no longer names it.
 */
export async function stop(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, []);
  if (p.positionals.length > 0)
    throw new CliError(`stop takes no arguments (got ${p.positionals[0]})`, EXIT.usage);
  const path = join(ctx.stateDir, 'engine.json');
  const info = await readEngineJson(path);
  if (!info || !pidAlive(info.pid)) {
    say(ctx, { stopped: false }, `no engine is running for ${ctx.stateDir}\n`);
    return EXIT.ok;
  }
  if (!(await liveEngine(ctx.stateDir)))
    throw new CliError(
      `engine.json names pid ${info.pid}, which does not answer as the engine of ${ctx.stateDir}; not stopping it`,
      EXIT.engine,
      `if it is a hung sqlrs-engine: kill ${info.pid}`,
    );
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    // it exited in the meantime: stopped all the same
  }
  await waitForExit(info.pid);
  // A process that is gone removed engine.json if it was going to: what is left is stale.
  await removeEngineJson(path, info.instanceId);
  const { endpoint, pid } = info;
  say(ctx, { stopped: true, endpoint, pid }, `stopped the engine at ${endpoint} (pid ${pid})\n`);
  return EXIT.ok;
}

async function waitForExit(pid: number): Promise<void> {
  for (let waited = 0; pidAlive(pid); waited += 50) {
    if (waited >= STOP_WAIT_MS)
      throw new CliError(
        `the engine (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000} s`,
        EXIT.engine,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

function say(ctx: CliContext, report: object, text: string): void {
  ctx.out(ctx.output === 'json' ? json(report) : text);
}
