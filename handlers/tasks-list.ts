import type { JobsQuery } from '../lib/schema-types.js';
import { listResponse, onePage } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/** GET /v1/tasks: the tasks of every job in memory, or of one exact `job`. */
export async function listTasks(req: HandlerRequest<JobsQuery>, deps: Deps) {
  const tasks = deps.jobs.list(req.query.job).flatMap((j) => j.tasks.map((t) => ({ ...t })));
  return listResponse(onePage(tasks), req.headers.accept);
}
