import type { EngineCore } from '../compose/engine-core.js';
import type { BodySource, HandlerResponse } from '../edge/types.js';
import { type CloudOptions, lazyCore } from './options.js';

export type FetchHandler = ((request: Request) => Promise<Response>) & {
  close(): Promise<void>;
  /** The engine behind the handler (made on first use): for tests and maintenance tasks. */
  engine(): Promise<EngineCore>;
};

/**
 * Fetch-API adapter: `Request` in, `Response` out, over the same route table and handlers as
 * the node:http server. Streamed NDJSON stays streamed (a ReadableStream body). The request
 * body is read by the dispatcher, after its checks, with the cap (docs/cloud.md).
 */
export function createFetchHandler(opts: CloudOptions): FetchHandler {
  const core = lazyCore(opts);
  const handler = async (request: Request): Promise<Response> => {
    const { dispatch } = await core.get();
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const stream = request.body;
    const res = await dispatch({
      method: request.method,
      url: `${url.pathname}${url.search}`,
      headers,
      body: stream ? bodySource(stream) : undefined,
      // The platform aborts it when the client goes away: a hash for a gone client stops.
      signal: request.signal,
    });
    // A body the dispatcher did not want (refused before reading) is released unread.
    if (stream && !stream.locked) await stream.cancel().catch(() => undefined);
    return toResponse(res);
  };
  return Object.assign(handler, { close: core.close, engine: core.get });
}

/** Reads the stream chunk by chunk; past `max` bytes it cancels the stream and stops. */
function bodySource(stream: ReadableStream<Uint8Array>): BodySource {
  return async (max) => {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks, size);
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => undefined);
        return 'too_large';
      }
      chunks.push(value);
    }
  };
}

export function toResponse(res: HandlerResponse): Response {
  const headers = new Headers(res.headers);
  if (res.stream) {
    const iterator = res.stream[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else
          controller.enqueue(
            typeof next.value === 'string' ? encoder.encode(next.value) : next.value,
          );
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return new Response(body, { status: res.status, headers });
  }
  if (res.chunks) return new Response(Buffer.concat(res.chunks), { status: res.status, headers });
  if (res.body === undefined) return new Response(null, { status: res.status, headers });
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(res.body), { status: res.status, headers });
}
