import { Agent, request } from 'undici';
import { CliError, EXIT } from './errors.js';

export interface EngineRef {
  endpoint: string;
  authToken: string;
  stateDir: string;
  version: string;
  instanceId: string;
  pid: number;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: replies are JSON of many shapes
  body: any;
}

const agent = new Agent({ connect: { timeout: 5000 } });

/** The engine's HTTP API over undici, with the token, timeouts and clear errors. */
export class EngineClient {
  constructor(readonly engine: EngineRef) {}

  url(path: string): string {
    return `http://${this.engine.endpoint}${path}`;
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    try {
      const res = await request(this.url(path), {
        method: method as 'GET',
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${this.engine.authToken}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        headers: res.headers,
        body: text ? JSON.parse(text) : undefined,
      };
    } catch (err) {
      throw unreachable(this.engine.endpoint, err);
    }
  }

  /** Streams NDJSON lines (events) until the server ends the stream. */
  async *lines(path: string, signal?: AbortSignal): AsyncGenerator<unknown> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(this.url(path), {
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${this.engine.authToken}`,
          accept: 'application/x-ndjson',
        },
        headersTimeout: 30_000,
        bodyTimeout: 30_000, // heartbeats arrive every 500 ms while a task runs
        signal,
      });
    } catch (err) {
      throw unreachable(this.engine.endpoint, err);
    }
    if (res.statusCode !== 200) {
      const body = await res.body.json().catch(() => ({}));
      throw apiError({ status: res.statusCode, headers: res.headers, body });
    }
    let buffered = '';
    for await (const chunk of res.body) {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) if (line.trim()) yield JSON.parse(line);
    }
  }
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
