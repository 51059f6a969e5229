import type { HealthResponse } from '../lib/schema-types.js';
import type { Deps, HandlerRequest, HandlerResponse } from '../runtime/edge/types.js';

/**
 * GET /v1/health: liveness and identity without a token (the CLI matches instanceId and pid
 * against engine.json); what reconciliation found (docs/deletion.md) only with the token,
 * since database names say what the engine holds (docs/api.md).
 */
export async function health(
  req: Pick<HandlerRequest, 'authenticated'>,
  deps: Deps,
): Promise<HandlerResponse> {
  const body: HealthResponse = {
    ok: true,
    version: deps.engine.version,
    instanceId: deps.engine.instanceId,
    pid: deps.engine.pid,
  };
  const unknown = (req.authenticated && deps.unknownDatabases?.()) || [];
  if (unknown.length > 0) body.details = { unknown_databases: unknown };
  return { status: 200, body };
}
