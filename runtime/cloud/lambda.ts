import { invalidArgument, toErrorBody } from '../../lib/errors.js';
import type { EngineCore } from '../compose/engine-core.js';
import type { BodySource, HandlerResponse } from '../edge/types.js';
import { type CloudOptions, lazyCore } from './options.js';

/** The parts of an API Gateway HTTP API (payload format 2.0) event this adapter reads. */
export interface HttpApiEventV2 {
  version?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string; path?: string } };
}

export interface HttpApiResultV2 {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

export type LambdaHandler = ((event: HttpApiEventV2) => Promise<HttpApiResultV2>) & {
  close(): Promise<void>;
  /** The engine behind the handler (made on first use): for tests and maintenance tasks. */
  engine(): Promise<EngineCore>;
};

/**
 * AWS Lambda adapter for API Gateway HTTP API (payload v2) events: the same dispatcher as the
 * node:http server. Cookies are left alone (the API does not use them). An event that cannot be
 * read as a request is answered 400. Lambda buffers responses, so streams are collected. The
 * event holds the whole body, but it is measured and decoded only after the dispatcher's
 * checks (docs/cloud.md).
 */
export function createLambdaHandler(opts: CloudOptions): LambdaHandler {
  const core = lazyCore(opts);
  const handler = async (event: HttpApiEventV2): Promise<HttpApiResultV2> => {
    let request: ReturnType<typeof toRawRequest>;
    try {
      request = toRawRequest(event);
    } catch (err) {
      return {
        statusCode: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(toErrorBody(err)),
        isBase64Encoded: false,
      };
    }
    const { dispatch } = await core.get();
    return toResult(await dispatch(request));
  };
  return Object.assign(handler, { close: core.close, engine: core.get });
}

export function toRawRequest(event: HttpApiEventV2) {
  const method = event?.requestContext?.http?.method;
  const path = event?.rawPath ?? event?.requestContext?.http?.path;
  if (typeof method !== 'string' || typeof path !== 'string') {
    throw invalidArgument(
      'not an API Gateway HTTP API (v2) event: requestContext.http.method and rawPath are required',
    );
  }
  const body =
    typeof event.body === 'string' ? eventBody(event.body, event.isBase64Encoded) : undefined;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = v;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return { method, url: `${path}${query}`, headers, body };
}

/** The event's body as a source: its size is known from the text, before any decoding. */
function eventBody(text: string, base64: boolean | undefined): BodySource {
  return async (max) => {
    if (!base64) return Buffer.byteLength(text) > max ? 'too_large' : text;
    if (decodedLength(text) > max) return 'too_large';
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
      throw invalidArgument('body is marked base64 but is not base64');
    return Buffer.from(text, 'base64');
  };
}

/** The byte length base64 text decodes to (4 characters for 3 bytes, less the padding). */
export function decodedLength(b64: string): number {
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.floor((b64.length * 3) / 4) - padding;
}

export async function toResult(res: HandlerResponse): Promise<HttpApiResultV2> {
  const headers: Record<string, string> = { ...res.headers };
  let body = '';
  if (res.stream) {
    const decoder = new TextDecoder();
    for await (const chunk of res.stream)
      body += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    body += decoder.decode();
  } else if (res.chunks) {
    body = Buffer.concat(res.chunks).toString();
  } else if (res.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(res.body);
  }
  return { statusCode: res.status, headers, body, isBase64Encoded: false };
}
