import { invalidArgument, sqlrsError } from '../../lib/errors.js';
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
 */
export function createRouter(routes: readonly Route[]) {
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
