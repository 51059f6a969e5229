import { Agent, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';

/**
 * The CLI's HTTP client, and the health checks of finding the local engine, on node:http. Not
 * undici (which the JS client uses for its calls): loading undici costs about 170 ms, and the
 * CLI's start-up is part of every prepare a user runs from the shell (docs/performance.md). One keep-alive agent: health, the POST
 * and the events stream of a prepare share a connection.
 */
const agent = new Agent({ keepAlive: true });

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Longest silence (connecting, waiting for headers or between chunks) before giving up. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

/** Sends a request and resolves with the response once its headers are in. */
export function send(url: string, opts: HttpOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent,
      method: opts.method ?? 'GET',
      headers:
        opts.body === undefined
          ? opts.headers
          : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
      signal: opts.signal,
    });
    req.setTimeout(opts.idleTimeoutMs, () =>
      req.destroy(new Error(`no answer within ${opts.idleTimeoutMs} ms`)),
    );
    req.once('error', reject);
    req.once('response', (res) => {
      res.setTimeout(opts.idleTimeoutMs, () =>
        res.destroy(new Error(`the answer stalled for ${opts.idleTimeoutMs} ms`)),
      );
      resolve(res);
    });
    req.end(opts.body);
  });
}

export interface TextReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Sends a request and reads the whole answer as text. */
export async function sendForText(url: string, opts: HttpOptions): Promise<TextReply> {
  const res = await send(url, opts);
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) text += chunk;
  return { status: res.statusCode ?? 0, headers: res.headers, text };
}
