import type { DeleteResult } from '../lib/schema-types.js';
import type { HandlerResponse } from '../runtime/edge/types.js';

/** A blocked real delete answers 409; a dry run or a done delete answers 200 (docs/deletion.md). */
export function deleteResponse(result: DeleteResult): HandlerResponse {
  const blocked = result.outcome === 'blocked' && !result.dry_run;
  return { status: blocked ? 409 : 200, body: result };
}
