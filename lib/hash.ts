import { createHash } from 'node:crypto';

/** Names this hashing scheme; changing how content or arguments are hashed changes it. */
export const HASH_SCHEMA = 'sqlrs-hash-v1';

/**
 * H(fields) (docs/prepare.md): lowercase hex SHA-256 of `<key>=<byte length>:<value>\n` per field,
 * in order. Length-prefixing makes the encoding unambiguous whatever the values contain.
 */
export function H(fields: Array<[string, string]>): string {
  const hash = createHash('sha256');
  for (const [key, value] of fields) {
    hash.update(`${key}=${Buffer.byteLength(value)}:`);
    hash.update(value);
    hash.update('\n');
  }
  return hash.digest('hex');
}

export function sha256Hex(chunks: Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  for (const c of chunks) hash.update(c);
  return hash.digest('hex');
}

/** task_hash = H(prepare_kind, content_hash, step_args, hash_schema). */
export function taskHash(prepareKind: string, contentHash: string, stepArgs: string[]): string {
  return H([
    ['prepare_kind', prepareKind],
    ['content_hash', contentHash],
    // JSON keeps argument boundaries: ["-v","a=b c"] and ["-v","a=b","c"] differ.
    ['step_args', JSON.stringify(stepArgs)],
    ['hash_schema', HASH_SCHEMA],
  ]);
}

/** state_id = H(input_kind, input_id, task_hash). */
export function stateId(inputKind: 'image' | 'state', inputId: string, task: string): string {
  return H([
    ['input_kind', inputKind],
    ['input_id', inputId],
    ['task_hash', task],
  ]);
}
