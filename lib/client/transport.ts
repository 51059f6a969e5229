import { Pool } from 'undici';
import type { JobEvent } from '../schema-types.js';
import { SqlrsError } from './errors.js';
import { ndjsonLines } from './ndjson.js';

/** Where the engine is and the token it takes. */
export interface EngineTarget {
  /** `http://host:port` */
  origin: string;
  token?: string;
}

export interface TransportOptions {
  /**
   * A local engine only: finds it again (engine.json read anew, the engine started if it is
   * gone). Asked once when the engine refuses the token (it restarted with a new one) or does
   * not answer (it stopped, e.g. on its idle timeout).
   */
  refind?: () => Promise<EngineTarget>;
  /** How often a 503 `busy` is retried, and the first wait (doubled each time). */
  busyRetries?: number;
  busyFirstWaitMs?: number;
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: engine answers are JSON of many shapes
  body: any;
}

interface CallOptions {
  body?: unknown;
  /** Retry 503 `busy` with exponential backoff (the job queue is full for a moment). */
  retryBusy?: boolean;
  /** Stops waiting between busy retries. */
  signal?: AbortSignal;
}

// A network failure that says nothing reached the engine, or that a kept-alive connection was
// closed by an engine that stopped: worth finding the engine again.
const GONE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * The client's HTTP to one engine over an undici keep-alive pool (docs/client.md): the token on
 * every call, the engine's error bodies as SqlrsError, busy retried, and a local engine found
 * again once when it restarted.
 */
export class Transport {
  private pool: Pool;
  // An ES private field: util.inspect, console.log and JSON.stringify of a client (a logger, a
  // test runner printing an object) never show it, and with it the token.
  #target: EngineTarget;

  constructor(
    target: EngineTarget,
    private readonly opts: TransportOptions = {},
  ) {
    this.#target = target;
    this.pool = newPool(target.origin);
  }

  get origin(): string {
    return this.#target.origin;
  }

  /** Sends one request and reads its JSON answer; 4xx and 5xx answers are returned, not thrown. */
  async call(method: string, path: string, o: CallOptions = {}): Promise<Answer> {
    const retries = this.opts.busyRetries ?? 6;
    let wait = this.opts.busyFirstWaitMs ?? 50;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.withRefind(async () => {
        const res = await this.send(method, path, o.body);
        const text = await res.body.text();
        return { status: res.statusCode, body: text ? parseJson(text) : undefined } as Answer;
      });
      const busy = answer.status === 503 && answer.body?.code === 'busy';
      if (!busy || !o.retryBusy) return answer;
      if (attempt >= retries)
        throw new SqlrsError('busy', `the engine stayed busy through ${retries} retries`, {
          status: 503,
          details: answer.body?.message,
          endpoint: this.origin,
        });
      if (o.signal?.aborted) return answer;
      await new Promise((r) => setTimeout(r, wait * (1 + Math.random() / 4)));
      wait *= 2;
    }
  }

  /** Follows an NDJSON event stream to its end. */
  async *events(path: string): AsyncGenerator<JobEvent> {
    const res = await this.withRefind(async () => {
      const r = await this.send('GET', path, undefined, 'application/x-ndjson');
      if (r.statusCode !== 200) {
        const text = await r.body.text();
        throw replyError({ status: r.statusCode, body: parseJson(text) });
      }
      return r;
    });
    try {
      for await (const line of ndjsonLines(res.body)) yield JSON.parse(line) as JobEvent;
    } catch (err) {
      if ((err as SqlrsError).name === 'SqlrsError') throw err;
      throw new SqlrsError(
        'engine_unreachable',
        `lost the engine at ${this.origin} in the middle of its answer (${(err as Error).message})`,
        { endpoint: this.origin },
      );
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private send(method: string, path: string, body: unknown, accept = 'application/json') {
    const headers: Record<string, string> = { accept };
    if (this.#target.token) headers.authorization = `Bearer ${this.#target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.pool.request({
      method: method as 'GET',
      path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      // Heartbeats come every 500 ms while a task runs (docs/prepare.md, "Events").
      bodyTimeout: 60_000,
      headersTimeout: 60_000,
    });
  }

  /**
   * Runs `attempt`; when the engine refuses the token or is not there, a local engine is found
   * again (once) and the attempt repeated. Otherwise: `unauthorized`, `engine_unreachable`.
   */
  private async withRefind<T extends { status?: number; statusCode?: number }>(
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let refound = false; ; refound = true) {
      let failure: { error: SqlrsError; refindable: boolean };
      try {
        const result = await attempt();
        if ((result.status ?? result.statusCode) !== 401) return result;
        failure = { error: this.refused(), refindable: true };
      } catch (err) {
        failure = this.asClientError(err);
      }
      if (refound || !failure.refindable || !(await this.refind().catch(() => false)))
        throw failure.error;
    }
  }

  /**
   * A thrown error as ours, and whether finding the engine again may help: a refused token, or a
   * network failure that says nothing reached the engine (or that it closed a kept connection).
   */
  private asClientError(err: unknown): { error: SqlrsError; refindable: boolean } {
    if ((err as SqlrsError).name === 'SqlrsError') {
      const error = err as SqlrsError;
      return { error, refindable: error.code === 'unauthorized' };
    }
    const refindable = GONE.has((err as { code?: string }).code ?? '');
    return { error: this.unreachable(err), refindable };
  }

  private refused(): SqlrsError {
    return new SqlrsError('unauthorized', `the engine at ${this.origin} refused the token`, {
      status: 401,
      endpoint: this.origin,
    });
  }

  /** Finds the local engine again; whether there is one to try (a remote engine: never). */
  private async refind(): Promise<boolean> {
    if (!this.opts.refind) return false;
    const next = await this.opts.refind();
    if (next.origin !== this.#target.origin) {
      const old = this.pool;
      this.pool = newPool(next.origin);
      old.destroy().catch(() => undefined);
    }
    this.#target = next;
    return true;
  }

  private unreachable(err: unknown): SqlrsError {
    return new SqlrsError(
      'engine_unreachable',
      `engine unreachable at ${this.origin}: ${(err as Error).message}`,
      { endpoint: this.origin },
    );
  }
}

function newPool(origin: string): Pool {
  return new Pool(origin, { connections: 16, keepAliveTimeout: 10_000 });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

/** An engine's error answer (docs/api.md, "Errors") as a SqlrsError with its code and status. */
export function replyError(answer: Answer): SqlrsError {
  const body = answer.body ?? {};
  const message =
    typeof body.message === 'string' ? body.message : `engine answered ${answer.status}`;
  return new SqlrsError(typeof body.code === 'string' ? body.code : 'internal_error', message, {
    status: answer.status,
    details: typeof body.details === 'string' ? body.details : undefined,
  });
}
