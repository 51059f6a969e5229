import { randomBytes } from 'node:crypto';
import { invalidArgument } from './errors.js';

/** Ids are lowercase hex; these are their exact formats (docs/api.md, Identifiers). */
export const STATE_ID = /^[0-9a-f]{64}$/;
export const INSTANCE_ID = /^[0-9a-f]{32}$/;
export const JOB_ID = /^[0-9a-f]{32}$/;
export const CATALOG_ID = /^[0-9a-f]{8}$/;

const HEX_PREFIX = /^[0-9a-f]{8,64}$/;
const HEX32_ANY_CASE = /^[0-9a-fA-F]{32}$/;

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

export const newInstanceId = () => randomHex(16);
export const newJobId = () => randomHex(16);
export const newCatalogId = () => randomHex(4);
export const newAuthToken = () => randomHex(32);
export const newEngineInstanceId = () => randomHex(16);

/**
 * Normalizes an id prefix given by a user: at least 8 hex characters, case-insensitive.
 * `what` names the argument in the error so the user knows which input was wrong.
 */
export function normalizePrefix(raw: string, what: string, maxLength = 64): string {
  const lower = raw.toLowerCase();
  if (!HEX_PREFIX.test(lower) || lower.length > maxLength) {
    throw invalidArgument(
      `${what} must be 8 to ${maxLength} hex characters`,
      `got ${JSON.stringify(raw.slice(0, 80))}`,
    );
  }
  return lower;
}

/** True for a string of 32 hex characters in any case: what a name may never look like. */
export function looksLikeInstanceId(value: string): boolean {
  return HEX32_ANY_CASE.test(value);
}
