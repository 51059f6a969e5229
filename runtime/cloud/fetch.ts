import { httpStatus, sqlrsError, toErrorBody } from '../../lib/errors.js';
import type { EngineCore } from '../engine-core.js';
import type { HandlerResponse } from '../types.js';
import { type CloudOptions, lazyCore } from './options.js';

export type FetchHandler = ((request: Request) => Promise<Response>) & {
  close(): Promise<void>;
  /** The engine behind the handler (made on first use): for tests and maintenance tasks. */
  engine(): Promise<EngineCore>;
};

/**
 * Fetch-API adapter: `Request` in, `Response` out, over the same route table and handlers as
 * the node:http server. Streamed NDJSON stays streamed (a ReadableStream body).
 */
export function createFetchHandler(opts: CloudOptions): FetchHandler {
  const core = lazyCore(opts);
  const handler = async (request: Request): Promise<Response> => {
    const { dispatch, maxBodyBytes } = await core.get();
    const url = new URL(request.url);
    const declared = Number(request.headers.get('content-length') ?? 0);
    if (declared > maxBodyBytes) {
      // Answered from the declared length alone, like the node:http server: never read it.
      const err = sqlrsError('payload_too_large', `request body larger than ${maxBodyBytes} bytes`);
      return toResponse({ status: httpStatus('payload_too_large'), body: toErrorBody(err) });
    }
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const res = await dispatch({
      method: request.method,
      url: `${url.pathname}${url.search}`,
      headers,
      body,
    });
    return toResponse(res);
  };
  return Object.assign(handler, { close: core.close, engine: core.get });
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
