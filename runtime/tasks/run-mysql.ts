import type { MessagePort } from 'node:worker_threads';
import mysql from 'mysql2/promise';
import { type TaskResult, taskFailure } from '../../lib/errors.js';

export interface RunMysqlInput {
  /** Server URL (with credentials) and the build schema to run in. */
  url: string;
  database: string;
  statements: string[];
  port: MessagePort;
  maxLogLines: number;
}

export interface RunMysqlOutput {
  /** Index and server message of the statement that failed, if one did. */
  failed?: { index: number; code: string; message: string };
}

/**
 * Worker task: runs a step's statements, in order, on the build schema through mysql2. Each
 * statement's outcome is a log line; the first failure stops the step (no --force).
 * Cancel is KILL QUERY from the engine, which makes the running statement fail.
 */
export async function runMysql(input: RunMysqlInput): Promise<TaskResult<RunMysqlOutput>> {
  let conn: mysql.Connection | undefined;
  let sent = 0;
  const log = (line: string) => {
    if (++sent <= input.maxLogLines)
      input.port.postMessage({ type: 'log', stream: 'stdout', line });
  };
  try {
    conn = await mysql.createConnection({
      uri: input.url,
      database: input.database,
      multipleStatements: false,
    });
    for (const [index, sql] of input.statements.entries()) {
      try {
        const [result] = await conn.query(sql);
        log(describe(result));
      } catch (err) {
        const e = err as { code?: string; message: string };
        return { ok: true, failed: { index, code: e.code ?? 'ERROR', message: e.message } };
      }
    }
    return { ok: true };
  } catch (err) {
    return taskFailure(err);
  } finally {
    await conn?.end().catch(() => undefined);
    input.port.postMessage({ type: 'end' });
    input.port.close();
  }
}

function describe(result: unknown): string {
  if (Array.isArray(result)) return `${result.length} row${result.length === 1 ? '' : 's'}`;
  const r = result as { affectedRows?: number };
  return `Query OK, ${r.affectedRows ?? 0} row${r.affectedRows === 1 ? '' : 's'} affected`;
}
