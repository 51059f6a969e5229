import type { JobEvent, PrepareResult } from '../schema-types.js';
import { SqlrsError } from './errors.js';
import { jobError } from './job-error.js';
import { replyError, type Transport } from './transport.js';
import type { PrepareOptions } from './types.js';

/**
 * Posts a prepare job and follows its events to the end (docs/api.md, "Jobs and their events").
 * An abort asks the engine to cancel the job and still reads to its terminal event, so that an
 * instance made just before the cancel landed is deleted rather than left behind.
 */
export async function runPrepareJob(
  transport: Transport,
  body: Record<string, unknown>,
  opts: PrepareOptions,
): Promise<PrepareResult> {
  const { signal, onEvent } = opts;
  if (signal?.aborted) throw aborted();
  // Not aborted in flight: a POST cut off might have made a job whose id we would never learn.
  const accepted = await transport.call('POST', '/v1/prepare-jobs', {
    body,
    retryBusy: true,
    signal,
  });
  if (accepted.status !== 202) throw replyError(accepted);
  const jobId: string = accepted.body.job_id;
  let cancelled = false;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    transport.call('POST', `/v1/prepare-jobs/${jobId}/cancel`).catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel, { once: true });
  if (signal?.aborted) cancel();
  let last: JobEvent | undefined;
  let thrown: { err: unknown } | undefined;
  try {
    for await (const ev of transport.events(`/v1/prepare-jobs/${jobId}/events`)) {
      last = ev;
      if (cancelled) continue;
      try {
        onEvent?.(ev);
      } catch (err) {
        // An onEvent that throws ends the prepare: the job is cancelled, its error passed on.
        thrown = { err };
        cancel();
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
  if (cancelled) {
    const made = last?.type === 'result' ? last.result?.instance_id : undefined;
    if (made) await transport.call('DELETE', `/v1/instances/${made}?force=true`).catch(() => {});
    if (thrown) throw thrown.err;
    throw aborted(jobId);
  }
  if (last?.type === 'error') throw jobError(last.error, jobId);
  if (last?.type !== 'result' || !last.result)
    throw new SqlrsError('job_failed', `the event stream of job ${jobId} ended early`, { jobId });
  return last.result;
}

const aborted = (jobId?: string) =>
  new SqlrsError(
    'aborted',
    jobId ? `aborted: job ${jobId} was cancelled` : 'aborted before the job was sent',
    { jobId },
  );
