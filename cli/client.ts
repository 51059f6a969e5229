import type { EngineRef } from '../lib/client/local-engine/engine-ref.js';
import { send, sendForText } from '../lib/client/local-engine/http.js';
import { ndjsonLines } from '../lib/client/ndjson.js';
import { CliError, EXIT } from './errors.js';

export type { EngineRef };

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: replies are JSON of many shapes
  body: any;
}

/** The engine's HTTP API, with the token, timeouts and clear errors. */
export class EngineClient {
  constructor(readonly engine: EngineRef) {}

  url(path: string): string {
    return `http://${this.engine.endpoint}${path}`;
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    try {
      const res = await sendForText(this.url(path), {
        method,
        headers: {
          authorization: `Bearer ${this.engine.authToken}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        idleTimeoutMs: 60_000,
      });
      return {
        status: res.status,
        headers: res.headers,
        body: res.text ? JSON.parse(res.text) : undefined,
      };
    } catch (err) {
      throw unreachable(this.engine.endpoint, err);
    }
  }

  /** Streams NDJSON lines (events) until the server ends the stream. */
  async *lines(path: string, signal?: AbortSignal): AsyncGenerator<unknown> {
    let res: Awaited<ReturnType<typeof send>>;
    try {
      res = await send(this.url(path), {
        headers: {
          authorization: `Bearer ${this.engine.authToken}`,
          accept: 'application/x-ndjson',
        },
        idleTimeoutMs: 30_000, // heartbeats arrive every 500 ms while a task runs
        signal,
      });
    } catch (err) {
      throw unreachable(this.engine.endpoint, err);
    }
    res.setEncoding('utf8');
    if (res.statusCode !== 200) {
      let text = '';
      for await (const chunk of res) text += chunk;
      const body = (() => {
        try {
          return JSON.parse(text);
        } catch {
          return {};
        }
      })();
      throw apiError({ status: res.statusCode ?? 0, headers: res.headers, body });
    }
    try {
      for await (const line of ndjsonLines(res)) yield JSON.parse(line);
    } catch (err) {
      throw lost(this.engine, err);
    }
  }
}

/** The engine went away (or stalled) in the middle of a stream: say so, and where to look. */
function lost(engine: EngineRef, err: unknown): CliError {
  return new CliError(
    `lost the engine at ${engine.endpoint} in the middle of its answer (${(err as Error).message})`,
    EXIT.engine,
    `the engine's log: ${engine.stateDir}/logs/engine.log`,
  );
}

function unreachable(endpoint: string, err: unknown): CliError {
  return new CliError(`engine unreachable at ${endpoint}: ${(err as Error).message}`, EXIT.engine);
}

/** An engine error body as a CLI error: 4xx input errors exit 2, the rest 3. */
export function apiError(reply: Reply): CliError {
  const body = reply.body ?? {};
  const message =
    typeof body.message === 'string' ? body.message : `engine answered ${reply.status}`;
  const code =
    reply.status === 400 || body.code === 'ambiguous' || body.code === 'conflict'
      ? EXIT.usage
      : EXIT.engine;
  return new CliError(message, code, typeof body.details === 'string' ? body.details : undefined);
}
