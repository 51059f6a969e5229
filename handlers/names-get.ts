import { notFound } from '../lib/errors.js';
import { validateName } from '../lib/registry.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/names/{name} */
export async function getName(req: HandlerRequest, deps: Deps) {
  const name = validateName(req.params.name as string);
  const entry = deps.store.nameEntry(name);
  if (!entry) throw notFound(`name ${name} not found`);
  return { status: 200, body: entry };
}
