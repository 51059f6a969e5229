import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { dsnEnv, withVars } from '../../lib/dbms/dsn-env.js';
import { fileSystemReason } from '../../lib/files/fs-reason.js';
import { bool, type Parsed, parseArgs, str } from '../args.js';
import { apiError, type EngineClient } from '../client.js';
import type { CliContext } from '../context.js';
import { CliError, usage } from '../errors.js';
import { execLeases, LEASE_SECONDS } from '../lease.js';
import { preparedInstance } from '../watch.js';
import { requestBody, ttlSeconds } from './prepare.js';

const SPECS = [
  { name: 'image', value: true },
  { name: 'name', value: true },
  { name: 'ttl', value: true },
  { name: 'keep' },
];

export interface ExecArgs {
  parsed: Parsed;
  prepareArgs: string[];
  command: string[];
}

/**
 * `[FLAGS] -- PREPARE_ARGS -- COMMAND [ARGS...]`, or `[FLAGS] PREPARE_ARGS -- COMMAND [ARGS...]`.
 * The prepare arguments end at the first `--` after them (none occurs inside prepare arguments:
 * docs/prepare.md); every later `--` is the command's.
 */
export function splitExecArgs(argv: string[], kind: string): ExecArgs {
  const first = argv.indexOf('--');
  const need = `exec:${kind} needs -- ${kind.toUpperCase()}_ARGS -- COMMAND [ARGS...]`;
  if (first < 0) throw usage(need);
  const parsed = parseArgs(argv.slice(0, first), SPECS, { passThrough: true });
  const before = [...parsed.positionals, ...parsed.rest];
  let prepareArgs: string[];
  let command: string[];
  if (before.length > 0) {
    prepareArgs = before;
    command = argv.slice(first + 1);
  } else {
    const second = argv.indexOf('--', first + 1);
    if (second < 0) throw usage(need);
    prepareArgs = argv.slice(first + 1, second);
    command = argv.slice(second + 1);
  }
  if (prepareArgs.length === 0) throw usage(`exec:${kind}: no ${kind} arguments (${need})`);
  if (command.length === 0) throw usage(`exec:${kind}: no command to run (${need})`);
  if (str(parsed, 'ttl') !== undefined && !bool(parsed, 'keep'))
    throw usage('--ttl is how long a kept instance lives: use it with --keep');
  return { parsed, prepareArgs, command };
}

/**
 * `exec:psql` / `exec:mysql` (docs/cli.md, "exec"): prepares an instance, runs COMMAND with
 * DATABASE_URL and the client variables, removes the instance when it ends (unless --keep) and
 * exits with its code. Without --keep the instance is a lease renewed while COMMAND runs.
 */
export function execCommand(kind: 'psql' | 'mysql') {
  return async (ctx: CliContext): Promise<number> => {
    const { parsed, prepareArgs, command } = splitExecArgs(ctx.argv, kind);
    const keep = bool(parsed, 'keep');
    const ttlFlag = str(parsed, 'ttl');
    const leaseSeconds = keep ? (ttlFlag ? ttlSeconds(ttlFlag) : undefined) : LEASE_SECONDS;
    const body = await requestBody(ctx, kind, prepareArgs, false, parsed);
    if (leaseSeconds !== undefined) body.ttl_seconds = leaseSeconds;
    const client = await ctx.client();
    const reply = await client.call('POST', '/v1/prepare-jobs', body);
    if (reply.status !== 202) throw apiError(reply);
    const result = await preparedInstance(ctx, client, reply.body.job_id);
    const id = result.instance_id;
    const leases = execLeases(client, ctx.err);
    if (leaseSeconds) leases.hold(id, leaseSeconds);
    let code: number;
    try {
      code = await runChild(command, withVars(ctx.env, dsnEnv(result.dsn)), ctx.cwd);
    } catch (e) {
      leases.drop(id);
      await removeInstance(ctx, client, id);
      throw e;
    }
    // --keep --ttl D: D from the command's end, not from the last periodic renewal.
    if (keep) await leases.renewNow(id);
    leases.drop(id);
    if (keep) ctx.err(`sqlrs: kept instance ${id} (sqlrs rm ${id.slice(0, 12)} removes it)\n`);
    else await removeInstance(ctx, client, id);
    return code;
  };
}

/**
 * Runs the command with stdio inherited, forwarding SIGINT, SIGTERM and SIGHUP; resolves with its exit
 * code, 128 + the signal's number if a signal ended it (130 for Ctrl+C), as a shell reports it.
 * A command that cannot be started rejects: 127 when it is not found, 126 otherwise (as env(1)).
 */
function runChild(command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const [bin, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: 'inherit', env, cwd });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    // SIGHUP too: a closed terminal or a CI runner's hang-up would otherwise end sqlrs at once
    // and leave the instance to its lease.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const s of signals) process.on(s, forward);
    const stop = () => {
      for (const s of signals) process.off(s, forward);
    };
    child.once('error', (err) => {
      if (child.pid !== undefined) return; // a failed kill of a running child, not a start
      stop();
      const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new CliError(`cannot run ${bin}: ${fileSystemReason(err)}`, notFound ? 127 : 126));
    });
    child.once('exit', (code, signal) => {
      stop();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Drops the instance (its sessions too: the command that held them has ended). */
async function removeInstance(ctx: CliContext, client: EngineClient, id: string): Promise<void> {
  try {
    const reply = await client.call('DELETE', `/v1/instances/${id}?force=true`);
    if (reply.status !== 200) throw apiError(reply);
  } catch (e) {
    ctx.err(`sqlrs: could not remove instance ${id}: ${(e as Error).message}\n`);
  }
}
