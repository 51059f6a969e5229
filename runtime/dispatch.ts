import { errorCode, httpStatus, invalidArgument, sqlrsError, toErrorBody } from '../lib/errors.js';
import { parseQuery } from '../lib/query.js';
import { bearerMatches } from './auth.js';
import { createRouter, type Match, truncate } from './router.js';
import type { Deps, HandlerRequest, HandlerResponse, RawRequest, Route } from './types.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface DispatcherOptions {
  routes: readonly Route[];
  deps: Deps;
  authToken: string;
  maxBodyBytes?: number;
}

export type Dispatch = (raw: RawRequest) => Promise<HandlerResponse>;

/**
 * The one place where a raw request becomes a handler call and any error becomes an HTTP error
 * body. Every adapter (node:http, Fetch, Lambda) goes through here, so they answer alike.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatch {
  const match = createRouter(opts.routes);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { deps } = opts;

  return async function dispatch(raw: RawRequest): Promise<HandlerResponse> {
    const started = performance.now();
    const { path, search } = splitUrl(raw.url);
    let res: HandlerResponse;
    try {
      const found = match(raw.method, path);
      res = await invoke(found, raw, path, search);
    } catch (err) {
      res = errorResponse(err, deps, raw.method, path);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    deps.logger.info('http', { method: raw.method, path: truncate(path), status: res.status, ms });
    return res;
  };

  async function invoke(found: Match, raw: RawRequest, path: string, search: string) {
    const { route, params } = found;
    const headers = lowerCaseHeaders(raw.headers);
    if (route.auth && !bearerMatches(headers.authorization, opts.authToken)) {
      throw sqlrsError('unauthorized', 'missing or wrong bearer token');
    }
    const query = deps.validators.check(route.query, parseQuery(search), 'query');
    const body = parseBody(route, raw.body, maxBody);
    const req: HandlerRequest<unknown, unknown> = {
      method: raw.method,
      path,
      params,
      query,
      headers,
      body: route.body ? deps.validators.check(route.body, body, 'body') : undefined,
      signal: raw.signal,
    };
    return route.handler(req, deps);
  }
}

export function splitUrl(url: string): { path: string; search: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, search: '' } : { path: url.slice(0, q), search: url.slice(q + 1) };
}

function lowerCaseHeaders(h: Record<string, string | undefined>) {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}

function parseBody(route: Route, body: Uint8Array | string | undefined, maxBody: number): unknown {
  const text = typeof body === 'string' ? body : body ? Buffer.from(body).toString('utf8') : '';
  if (Buffer.byteLength(text) > maxBody) {
    throw sqlrsError('payload_too_large', `request body larger than ${maxBody} bytes`);
  }
  if (!route.body) {
    if (text.trim() !== '') throw invalidArgument(`${route.method} ${route.pattern} takes no body`);
    return undefined;
  }
  if (text.trim() === '') throw invalidArgument('request body required (JSON)');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument('request body is not valid JSON', (err as Error).message);
  }
}

export function errorResponse(err: unknown, deps: Deps, method: string, path: string) {
  const code = errorCode(err) ?? 'internal_error';
  if (code === 'internal_error') {
    deps.logger.error('internal_error', {
      method,
      path: truncate(path),
      error: String((err as Error)?.stack ?? err),
    });
  }
  const res: HandlerResponse = { status: httpStatus(code), body: toErrorBody(err) };
  const allow = (err as { allow?: string }).allow;
  if (code === 'method_not_allowed' && allow) res.headers = { allow };
  return res;
}
