import type { MessagePort } from 'node:worker_threads';
import mysql from 'mysql2';
import { type TaskResult, taskFailure } from '../../../errors.js';

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
 * Cancel is KILL QUERY from the engine, which makes the running statement fail, and 'cancel'
 * on the port, which ends the step there.
 */
export async function runMysql(input: RunMysqlInput): Promise<TaskResult<RunMysqlOutput>> {
  let conn: mysql.Connection | undefined;
  let sent = 0;
  const log = (line: string) => {
    if (++sent <= input.maxLogLines)
      input.port.postMessage({ type: 'log', stream: 'stdout', line });
  };
  // 'cancel' (a cancelled job, a step past step_timeout): the engine kills the running query
  // (KILL QUERY); this stops the step before another statement starts, and drops the connection.
  let cancelled = false;
  let stop: (err: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => undefined);
  input.port.on('message', (msg) => {
    if (msg !== 'cancel' || cancelled) return;
    cancelled = true;
    stop(Object.assign(new Error('stopped by the engine'), { code: 'ER_QUERY_INTERRUPTED' }));
    conn?.destroy();
  });
  try {
    conn = await connect(input);
    if (cancelled) throw new Error('stopped by the engine');
    const lost = connectionLost(conn);
    for (const [index, sql] of input.statements.entries()) {
      try {
        log(await Promise.race([outcome(conn, sql), lost, stopped]));
      } catch (err) {
        const e = err as { code?: string; message: string };
        return { ok: true, failed: { index, code: e.code ?? 'ERROR', message: e.message } };
      }
    }
    return { ok: true };
  } catch (err) {
    return taskFailure(err);
  } finally {
    const c = conn;
    if (c && cancelled) c.destroy();
    else if (c) await new Promise<void>((resolve) => c.end(() => resolve()));
    input.port.postMessage({ type: 'end' });
    input.port.close();
  }
}

/** A connection to the build schema; one that fails to open is destroyed and the error thrown. */
function connect(input: RunMysqlInput): Promise<mysql.Connection> {
  const conn = mysql.createConnection({
    uri: input.url,
    database: input.database,
    multipleStatements: false,
  });
  // A connection lost between statements is reported by the next one; without a listener
  // its 'error' event would throw in the worker.
  conn.on('error', () => undefined);
  return new Promise((resolve, reject) =>
    conn.connect((err) => {
      if (!err) return resolve(conn);
      conn.destroy();
      reject(err);
    }),
  );
}

/**
 * Rejects when the connection is lost. A streamed query (no callback) never hears of it:
 * mysql2 sends the error to the connection, not to the running query, so a statement running
 * when the server goes down would wait forever and its job never end.
 */
function connectionLost(conn: mysql.Connection): Promise<never> {
  const lost = new Promise<never>((_, reject) => conn.once('error', reject));
  lost.catch(() => undefined); // a step that ends first never awaits it
  return lost;
}

/**
 * Runs a statement and says what it did ("3 rows", "Query OK, 1 row affected"). Rows are
 * counted as they arrive, never held: with a callback (or the promise API) mysql2 collects a
 * result whole, and a step selecting 3 million rows would take the engine to 740 MB.
 */
function outcome(conn: mysql.Connection, sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    let sets = 0;
    let affected = 0;
    // 'fields' comes before each result: an array before a result set's rows, undefined
    // before a statement's OK (whose 'result' is then its header).
    let inRows = false;
    conn
      .query(sql)
      .on('fields', (fields: unknown) => {
        inRows = Array.isArray(fields);
        if (inRows) sets++;
      })
      .on('result', (r: unknown) => {
        if (inRows) rows++;
        else affected += (r as { affectedRows?: number }).affectedRows ?? 0;
      })
      // After an error, 'end' still comes: its resolve is then a no-op.
      .on('error', reject)
      .on('end', () => {
        if (sets > 0) resolve(`${rows} row${rows === 1 ? '' : 's'}`);
        else resolve(`Query OK, ${affected} row${affected === 1 ? '' : 's'} affected`);
      });
  });
}
