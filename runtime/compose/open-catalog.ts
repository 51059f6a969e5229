import { catalogTarget, type EngineConfig } from '../../lib/config.js';
import type { Logger } from '../../lib/logger.js';
import { openPostgresStore } from '../../lib/store/postgres/index.js';
import { openSqljsStore } from '../../lib/store/sqljs/index.js';
import type { Store } from '../../lib/store/types.js';

/**
 * The catalog the config names (docs/runtime.md, "Config"): embedded in the state dir by
 * default, or shared by every engine given the same PostgreSQL URL and schema
 * (docs/scaling.md).
 */
export async function openCatalog(
  stateDir: string,
  config: EngineConfig,
  clock: () => Date,
  logger: Logger,
): Promise<Store> {
  const target = catalogTarget(config);
  if (target.kind === 'sqljs') {
    return openSqljsStore({
      dir: stateDir,
      now: clock,
      onCheckpointFailed: (error) => logger.error('catalog_checkpoint_failed', { error }),
    });
  }
  return openPostgresStore({
    url: target.url,
    schema: target.schema,
    now: clock,
    onError: (error) => logger.error('catalog_follow_failed', { error }),
  });
}
