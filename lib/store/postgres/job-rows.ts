import type { ErrorBody } from '../../errors.js';
import type { JobStatus, TaskEntry } from '../../schema-types.js';

/** A row of the shared catalog's `jobs` table (schema.ts, v3). */
export interface JobRow {
  job_id: string;
  engine_id: string;
  status: JobStatus['status'];
  prepare_kind: JobStatus['prepare_kind'];
  image_id: string;
  plan_only: boolean;
  prepare_args_normalized: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  tasks: string | null;
  result: string | null;
  error: string | null;
  event_count: number;
  cancel_requested: boolean;
}

export const JOB_COLUMNS =
  'job_id, engine_id, status, prepare_kind, image_id, plan_only, prepare_args_normalized, created_at, started_at, finished_at, tasks, result, error, event_count, cancel_requested';

/** The columns a job's status fills, from its status view. */
export function statusColumns(s: JobStatus) {
  return {
    status: s.status,
    started_at: s.started_at ?? null,
    finished_at: s.finished_at ?? null,
    tasks: s.tasks ? JSON.stringify(s.tasks) : null,
    result: s.result ? JSON.stringify(s.result) : null,
    error: s.error ? JSON.stringify(s.error) : null,
  };
}

/** A row as GET of the job answers it (JobStatus), the same shape the running engine gives. */
export function statusOf(row: JobRow): JobStatus {
  const s: JobStatus = {
    job_id: row.job_id,
    status: row.status,
    prepare_kind: row.prepare_kind,
    image_id: row.image_id,
    plan_only: row.plan_only,
    created_at: row.created_at,
  };
  if (row.started_at) s.started_at = row.started_at;
  if (row.finished_at) s.finished_at = row.finished_at;
  s.prepare_args_normalized = row.prepare_args_normalized;
  if (row.tasks) s.tasks = JSON.parse(row.tasks) as TaskEntry[];
  if (row.result) s.result = JSON.parse(row.result);
  if (row.error) s.error = JSON.parse(row.error) as ErrorBody;
  return s;
}
