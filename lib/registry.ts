import { invalidArgument, notFound, sqlrsError } from './errors.js';
import { INSTANCE_ID, looksLikeInstanceId, normalizePrefix, STATE_ID } from './id.js';
import type { Store } from './store/types.js';

const NAME = /^[A-Za-z0-9._-]{1,63}$/;

/**
 * Name rules (docs/api.md): 1-63 of [A-Za-z0-9._-], never something that looks like an id, and
 * never `.` or `..` (docs/prepare.md).
 */
export function validateName(name: string): string {
  if (!NAME.test(name)) {
    throw invalidArgument(
      'name must be 1-63 characters of A-Z a-z 0-9 . _ -',
      `got ${JSON.stringify(name.slice(0, 80))}`,
    );
  }
  if (looksLikeInstanceId(name)) {
    throw invalidArgument('name must not look like an instance id (32 hex characters)');
  }
  // A URL drops such a path segment (also percent-encoded): GET /v1/instances/.. is /v1/, so
  // an instance bound to one could never be looked up by it (`run:psql --instance ..`).
  if (name === '.' || name === '..') {
    throw invalidArgument(`name cannot be "${name}": URLs drop it as a path segment`);
  }
  return name;
}

/** One id out of the matches of a prefix: none is not_found, several is ambiguous, never a guess. */
export function pickUnique(matches: string[], prefix: string, what: string): string {
  if (matches.length === 0) throw notFound(`no ${what} matches ${prefix}`);
  if (matches.length > 1) {
    throw sqlrsError('ambiguous', `${what} prefix ${prefix} is ambiguous`, matches.join(', '));
  }
  return matches[0] as string;
}

export function resolveStateId(store: Store, raw: string): string {
  const prefix = normalizePrefix(raw, 'state id');
  if (STATE_ID.test(prefix)) {
    if (!store.getState(prefix)) throw notFound(`state ${prefix} not found`);
    return prefix;
  }
  return pickUnique(store.stateIdsWithPrefix(prefix, 2), prefix, 'state');
}

export function resolveInstanceIdPrefix(store: Store, raw: string): string {
  const prefix = normalizePrefix(raw, 'instance id', 32);
  return pickUnique(store.instanceIdsWithPrefix(prefix, 2), prefix, 'instance');
}

export type InstanceRef = { instanceId: string; via: 'id' | 'name' | 'prefix' };

/**
 * Resolves an instance path segment (docs/api.md): 32 hex is tried as an id first, then as a name;
 * anything else is a name, and failing that, a hex prefix of 8+ characters. Only an exact id
 * is canonical; the others answer with a redirect to the id.
 */
export function resolveInstanceRef(store: Store, ref: string): InstanceRef {
  const lower = ref.toLowerCase();
  if (INSTANCE_ID.test(lower) && store.getInstance(lower)) return { instanceId: lower, via: 'id' };
  const named = NAME.test(ref) ? store.getName(ref) : undefined;
  if (named && store.getInstance(named.instance_id)) {
    return { instanceId: named.instance_id, via: 'name' };
  }
  if (/^[0-9a-fA-F]{8,31}$/.test(ref)) {
    return { instanceId: resolveInstanceIdPrefix(store, ref), via: 'prefix' };
  }
  throw notFound(`instance ${JSON.stringify(ref.slice(0, 80))} not found`);
}
