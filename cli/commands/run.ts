import { spawn } from 'node:child_process';
import { dsnEnv } from '../../lib/dbms/dsn-env.js';
import { fileSystemReason } from '../../lib/files/fs-reason.js';
import { INSTALL_PSQL } from '../../lib/psql/install-hint.js';
import { parseArgs, str } from '../args.js';
import { apiError } from '../client.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { resolveOne } from './ls.js';

const PSQL_CONNECTION = /^(-[hpUd].*|--(host|port|username|dbname|database)(=.*)?)$/;
const MYSQL_CONNECTION = /^(-[hPuSpD].*|--(host|port|user|socket|password|database)(=.*)?)$/;

/**
 * `run:psql` / `run:mysql`: runs the local client against an instance (id prefix or name),
 * with the user's arguments, inheriting stdio, and exits with the client's exit code.
 */
export function runCommand(kind: 'psql' | 'mysql') {
  return async (ctx: CliContext): Promise<number> => {
    const p = parseArgs(ctx.argv, [{ name: 'instance', value: true }], { passThrough: true });
    const toolArgs = [...p.positionals, ...p.rest];
    const bad = toolArgs.find((a) =>
      (kind === 'psql' ? PSQL_CONNECTION : MYSQL_CONNECTION).test(a),
    );
    if (bad)
      throw new CliError(
        `${bad}: connection flags are not accepted; the instance decides where to connect`,
        EXIT.usage,
      );
    const client = await ctx.client();
    const ref = str(p, 'instance') ?? (await onlyInstance(client, kind));
    const id = await resolveOne(client, 'instances', ref);
    const reply = await client.call('GET', `/v1/instances/${id}`);
    if (reply.status !== 200) throw apiError(reply);
    const dsn = reply.body.dsn as string;
    // The other client pointed at this server fails with a protocol error that names neither.
    const other = dsnKind(dsn);
    if (other !== kind)
      throw new CliError(
        `instance ${id.slice(0, 12)} is a ${SERVER[other]} database: use run:${other}`,
        EXIT.usage,
      );
    const [bin, args] =
      kind === 'psql'
        ? [ctx.env.SQLRS_PSQL ?? 'psql', [dsn, ...toolArgs]]
        : mysqlInvocation(dsn, toolArgs, ctx.env);
    return new Promise((resolve, reject) => {
      const child = spawn(bin, args, { stdio: 'inherit', env: ctx.env });
      child.on('error', (err) => reject(cannotRun(kind, bin, err)));
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
    });
  };
}

/** The one instance this client can open, when no --instance is given. */
async function onlyInstance(
  client: Awaited<ReturnType<CliContext['client']>>,
  kind: 'psql' | 'mysql',
): Promise<string> {
  const reply = await client.call('GET', '/v1/instances');
  if (reply.status !== 200) throw apiError(reply);
  const all = (reply.body as Array<{ instance_id: string; dsn: string }>).filter(
    (i) => dsnKind(i.dsn) === kind,
  );
  if (all.length === 1) return (all[0] as { instance_id: string }).instance_id;
  const n = all.length;
  throw new CliError(`give --instance ID|NAME (${n} ${SERVER[kind]} instances exist)`, EXIT.usage);
}

const SERVER = { psql: 'PostgreSQL', mysql: 'MySQL' } as const;

/** Which client opens a DSN: the engine's DSNs are postgres:// or mysql:// URLs. */
function dsnKind(dsn: string): 'psql' | 'mysql' {
  return dsn.startsWith('mysql:') ? 'mysql' : 'psql';
}

function mysqlInvocation(dsn: string, args: string[], env: NodeJS.ProcessEnv): [string, string[]] {
  const v = dsnEnv(dsn); // the same reading of the DSN as exec's MYSQL_* variables
  const conn = [`--host=${v.MYSQL_HOST}`, `--port=${v.MYSQL_TCP_PORT}`, `--user=${v.MYSQL_USER}`];
  if (v.MYSQL_PWD) conn.push(`--password=${v.MYSQL_PWD}`);
  return [env.SQLRS_MYSQL ?? 'mariadb', [...conn, ...args, v.MYSQL_DATABASE as string]];
}

/** A client that cannot be started, in the engine's words for psql (lib/prepare/kinds/psql/run-task.ts). */
function cannotRun(kind: 'psql' | 'mysql', bin: string, err: unknown): CliError {
  const install =
    kind === 'psql'
      ? INSTALL_PSQL
      : 'install the MariaDB or MySQL client, or set SQLRS_MYSQL to its path';
  return new CliError(`cannot run ${bin}: ${fileSystemReason(err)}`, EXIT.engine, install);
}
