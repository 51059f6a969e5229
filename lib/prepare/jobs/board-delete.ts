import { deleteJobWith } from '../../deletion/job-delete.js';
import { sqlrsError } from '../../errors.js';
import type { DeleteResult } from '../../schema-types.js';
import type { JobBoard } from './job-board.js';

/** How long a forced delete waits for another engine to end the job it cancels. */
export const REMOTE_CANCEL_WAIT_MS = 60_000;
const POLL_MS = 200;

/**
 * DELETE of a job another engine runs or ran (docs/scaling.md, "Jobs"), as deletion's
 * deleteJob does a local one: blocked while it runs unless forced; forced, its engine is asked
 * to cancel it and the row goes once that engine has ended it.
 */
export async function deleteBoardJob(
  board: JobBoard,
  jobId: string,
  opts: { force: boolean; dryRun: boolean },
): Promise<DeleteResult> {
  const status = await board.get(jobId);
  if (!status) throw sqlrsError('not_found', `job ${jobId} not found`);
  return deleteJobWith(jobId, opts, {
    active: status.finished_at === undefined,
    end: () => cancelAndWait(board, jobId),
    remove: () => board.remove(jobId),
  });
}

async function cancelAndWait(board: JobBoard, jobId: string): Promise<void> {
  await board.requestCancel(jobId);
  const until = Date.now() + REMOTE_CANCEL_WAIT_MS;
  for (;;) {
    const now = await board.get(jobId);
    if (!now || now.finished_at !== undefined) return;
    if (Date.now() >= until)
      throw sqlrsError(
        'unavailable',
        `job ${jobId} runs on another engine, which did not end it within ${REMOTE_CANCEL_WAIT_MS / 1000}s of the cancel; try again`,
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
