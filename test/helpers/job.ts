import { Job } from '../../lib/prepare/jobs/job.js';

/** A psql job in memory, for tests of a job and of the handlers over it (no engine). */
export const newJob = (createdAt = new Date().toISOString()) =>
  new Job('a'.repeat(32), 'psql', 'postgres', false, '-c x', 'sig', createdAt, () => new Date());
