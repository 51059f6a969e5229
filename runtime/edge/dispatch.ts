import {
  errorCode,
  httpStatus,
  invalidArgument,
  sqlrsError,
  toErrorBody,
} from '../../lib/errors.js';
import { bearerMatches } from './auth.js';
import { parseQuery } from './query.js';
import { createRouter, type Match, truncate } from './router.js';
import type {
  BodySource,
  Deps,
  HandlerRequest,
  HandlerResponse,
  RawRequest,
  Route,
} from './types.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface DispatcherOptions {
  routes: readonly Route[];
  deps: Deps;
  authToken: string;
  maxBodyBytes?: number;
  /**
   * When given, a request whose `Host` this refuses is answered 421 before any route runs:
   * the loopback engine's guard against DNS rebinding (docs/api.md, "Host").
   */
  hostAllowed?: (host: string | undefined) => boolean;
}

export type Dispatch = (raw: RawRequest) => Promise<HandlerResponse>;

/**
 * The one place where a raw request becomes a handler call and any error becomes an HTTP error
 * body. Every adapter (node:http, Fetch, Lambda) goes through here, so they answer alike. It
 * also decides whether a body is read at all: Host, route, token and declared length are
 * checked first, and only then is the adapter's body source read, with the cap.
 */
export function createDispatcher(opts: DispatcherOptions): Dispatch {
  const match = createRouter(opts.routes, opts.deps.validators);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { deps } = opts;

  return async function dispatch(raw: RawRequest): Promise<HandlerResponse> {
    const started = performance.now();
    const { path, search } = splitUrl(raw.url);
    let res: HandlerResponse;
    try {
      res = await invoke(raw, path, search);
    } catch (err) {
      res = errorResponse(err, deps, raw.method, path);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    deps.logger.info('http', { method: raw.method, path: truncate(path), status: res.status, ms });
    return res;
  };

  async function invoke(raw: RawRequest, path: string, search: string) {
    const headers = lowerCaseHeaders(raw.headers);
    if (opts.hostAllowed && !opts.hostAllowed(headers.host)) throw misdirected(headers.host);
    const { route, params }: Match = match(raw.method, path);
    const authenticated = bearerMatches(headers.authorization, opts.authToken);
    if (route.auth && !authenticated) {
      throw sqlrsError('unauthorized', 'missing or wrong bearer token');
    }
    if (Number(headers['content-length'] ?? 0) > maxBody) throw tooLarge(maxBody);
    const query = deps.validators.check(route.query, parseQuery(search), 'query');
    const body = parseBody(route, await readBody(raw.body, maxBody), maxBody);
    const req: HandlerRequest<unknown, unknown> = {
      method: raw.method,
      path,
      params,
      query,
      headers,
      body: route.body ? deps.validators.check(route.body, body, 'body') : undefined,
      authenticated,
      signal: raw.signal,
    };
    // A shared catalog's reads are brought up to every change committed anywhere before the
    // request (docs/catalog.md): what another engine built or deleted is what this one answers
    // with. Only for a request that will be served: health and the API document never read the
    // catalog. A catalog that cannot be reached is its coded error (503 unavailable).
    if (route.auth) await deps.store.refresh();
    return route.handler(req, deps);
  }
}

const tooLarge = (max: number) =>
  sqlrsError('payload_too_large', `request body larger than ${max} bytes`);

const misdirected = (host: string | undefined) =>
  sqlrsError(
    'misdirected_request',
    host === undefined
      ? 'a Host header is required'
      : `Host ${truncate(JSON.stringify(host), 80)} is not this engine's address`,
    'the local engine answers only 127.0.0.1:<port>, [::1]:<port> or localhost:<port>',
  );

/** Reads the body (a source is read here, once, with the cap); undefined when there is none. */
async function readBody(body: RawRequest['body'], max: number) {
  if (typeof body !== 'function') return body;
  const read = await (body as BodySource)(max);
  if (read === 'too_large') throw tooLarge(max);
  return read;
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
  if (Buffer.byteLength(text) > maxBody) throw tooLarge(maxBody);
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
