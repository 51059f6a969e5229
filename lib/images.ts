import { type EngineConfig, type ImageTarget, imageTarget } from './config.js';

/**
 * The images an engine offers (docs/api.md, "Images"): those of its config (file and
 * SQLRS_IMAGES), its default image first when it is not among them; with none configured, the
 * local defaults `postgres` (or the configured default) and `mariadb`.
 */
export function configuredImages(
  config: EngineConfig,
  env: NodeJS.ProcessEnv = process.env,
): ImageTarget[] {
  const ids = Object.keys(config.images ?? {});
  const fallback = config.default_image ?? 'postgres';
  if (ids.length === 0) ids.push(fallback, 'mariadb');
  else if (!ids.includes(fallback)) ids.unshift(fallback);
  return [...new Set(ids)].map((id) => imageTarget(config, id, env));
}
