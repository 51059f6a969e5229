import { mergeJobs } from '../lib/prepare/jobs/job-board.js';
import type { JobsQuery } from '../lib/schema-types.js';
import { listResponse, onePage } from '../runtime/edge/listing/stream.js';
import type { Deps, HandlerRequest } from '../runtime/edge/types.js';

/**
 * GET /v1/tasks: the tasks of every job in memory, or of one exact `job`; on a shared catalog,
 * of every engine's jobs (the job board, docs/scaling.md).
 */
export async function listTasks(req: HandlerRequest<JobsQuery>, deps: Deps) {
  const held = deps.jobs.list(req.query.job);
  const tasks = deps.jobBoard?.shared
    ? mergeJobs(held, await deps.jobBoard.list(req.query.job)).flatMap((s) => s.tasks ?? [])
    : held.flatMap((j) => j.tasks.map((t) => ({ ...t })));
  return listResponse(onePage(tasks), req.headers.accept);
}
