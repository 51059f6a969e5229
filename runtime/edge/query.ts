import { invalidArgument } from '../../lib/errors.js';

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Boolean query parameters (docs/api.md): a fixed set of spellings, anything else is a 400. */
export function parseBoolean(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw invalidArgument(`query parameter "${name}" must be a boolean (true/false/1/0/t/f)`);
}

/**
 * Query string to a flat record. A parameter given twice is an error rather than a silent pick
 * of one of the values.
 */
export function parseQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    if (Object.hasOwn(out, key))
      throw invalidArgument(`query parameter "${key}" given more than once`);
    out[key] = value;
  }
  return out;
}
