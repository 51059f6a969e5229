import type { HealthResponse } from '../lib/schema-types.js';
import type { Deps, HandlerResponse } from '../runtime/types.js';

/** GET /v1/health: unauthenticated liveness, plus what reconciliation found (SPEC §6.4). */
export async function health(_req: unknown, deps: Deps): Promise<HandlerResponse> {
  const body: HealthResponse = {
    ok: true,
    version: deps.engine.version,
    instanceId: deps.engine.instanceId,
    pid: deps.engine.pid,
  };
  const unknown = deps.unknownDatabases?.() ?? [];
  if (unknown.length > 0) body.details = { unknown_databases: unknown };
  return { status: 200, body };
}
