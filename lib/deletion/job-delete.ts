import type { DeleteResult } from '../schema-types.js';

export interface JobDeleteSteps {
  /** Whether the job still runs or waits. */
  active: boolean;
  /** Cancels the job and resolves once it has ended. */
  end(): Promise<void>;
  /** Forgets the ended job. */
  remove(): unknown;
}

/**
 * DELETE of a job (docs/deletion.md), whether this engine holds it or, on a shared catalog,
 * another does: blocked (`active_tasks`) while it runs unless forced; forced, it is cancelled
 * and removed once it has ended.
 */
export async function deleteJobWith(
  jobId: string,
  opts: { force: boolean; dryRun: boolean },
  steps: JobDeleteSteps,
): Promise<DeleteResult> {
  const root = {
    kind: 'job' as const,
    id: jobId,
    ...(steps.active && !opts.force ? { blocked: 'active_tasks' as const } : {}),
  };
  if (opts.dryRun)
    return { dry_run: true, outcome: root.blocked ? 'blocked' : 'would_delete', root };
  if (root.blocked) return { dry_run: false, outcome: 'blocked', root };
  if (steps.active) await steps.end();
  await steps.remove();
  return { dry_run: false, outcome: 'deleted', root };
}
