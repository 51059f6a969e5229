import type { Test } from 'tap';
import { compileSchemas } from '../../lib/schemas.js';

const validators = compileSchemas();

/** Asserts that a response body conforms to its schema (responses are validated in tests). */
export function conforms(t: Test, file: string, body: unknown, label = file): void {
  const errors = validators.errors(file, body);
  t.same(errors, null, `${label} conforms to ${file}`);
}
