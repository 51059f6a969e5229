import { invalidArgument, sqlrsError } from '../../lib/errors.js';
import type { Validators } from '../../lib/schemas.js';
import type { Route } from './types.js';

export interface Match {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  segments: string[];
}

/**
 * A small router over the route table. Paths are matched segment by segment on the raw path
 * (no normalization: `..` is just a segment), and parameters are percent-decoded afterwards.
 * The table is checked first (checkRoutes), so a mistake in it stops start-up rather than
 * answering 500 on the first request that reaches it.
 */
export function createRouter(routes: readonly Route[], schemas: Pick<Validators, 'has'>) {
  checkRoutes(routes, schemas);
  const compiled: Compiled[] = routes.map((route) => ({
    route,
    segments: route.pattern.split('/'),
  }));

  return function match(method: string, path: string): Match {
    const segments = path.split('/');
    const allowed = new Set<string>();
    for (const c of compiled) {
      const params = matchSegments(c.segments, segments);
      if (!params) continue;
      if (c.route.method === method) return { route: c.route, params: decodeParams(params) };
      allowed.add(c.route.method);
    }
    if (allowed.size > 0) {
      const err = sqlrsError('method_not_allowed', `method ${method} not allowed on ${path}`);
      (err as { allow?: string }).allow = [...allowed].sort().join(', ');
      throw err;
    }
    throw sqlrsError('not_found', `no route for ${truncate(path)}`);
  };
}

const LITERAL = /^[A-Za-z0-9._-]+$/;
const PARAM = /^:[A-Za-z][A-Za-z0-9]*$/;

/**
 * Throws, naming the route, when the table has a pattern that is not `/segment/...` with
 * literal or `:param` segments (each param named once), two routes with the same method on the
 * same path (`/x/:a` and `/x/:b` are one path: the second would never be reached), or a query,
 * body or response schema that was not compiled.
 */
export function checkRoutes(routes: readonly Route[], schemas: Pick<Validators, 'has'>): void {
  const seen = new Map<string, string>();
  for (const route of routes) {
    const name = `route ${route.method} ${route.pattern}`;
    const shape = `${route.method} ${patternShape(route.pattern, name)}`;
    const earlier = seen.get(shape);
    if (earlier) throw new Error(`${name}: same method and path as ${earlier}`);
    seen.set(shape, name);
    const named = [route.query, route.body, ...Object.values(route.responses)];
    for (const file of named)
      if (typeof file === 'string' && !schemas.has(file))
        throw new Error(`${name}: no schema ${file} in schemas/`);
  }
}

/** The pattern with its params unnamed (`/x/:`), once it is well-formed. */
function patternShape(pattern: string, name: string): string {
  const segments = pattern.split('/');
  if (segments[0] !== '' || segments.length < 2) throw new Error(`${name}: must start with /`);
  const params = new Set<string>();
  for (const segment of segments.slice(1)) {
    if (PARAM.test(segment)) {
      if (params.has(segment)) throw new Error(`${name}: parameter ${segment} appears twice`);
      params.add(segment);
    } else if (!LITERAL.test(segment)) {
      throw new Error(`${name}: segment "${segment}" is neither a name nor a :param`);
    }
  }
  return segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/');
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const a = actual[i] as string;
    if (p.startsWith(':')) {
      if (a === '') return undefined;
      params[p.slice(1)] = a;
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      throw invalidArgument(`path parameter ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

export const truncate = (s: string, n = 120) => (s.length > n ? `${s.slice(0, n)}...` : s);
