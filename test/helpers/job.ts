import { Job } from '../../lib/prepare/jobs/job.js';

/** A psql job in memory, for tests of a job and of the handlers over it (no engine). */
export const newJob = (createdAt = new Date().toISOString()) =>
  new Job({
    id: 'a'.repeat(32),
    kind: 'psql',
    imageId: 'postgres',
    planOnly: false,
    argsNormalized: '-c x',
    signature: 'sig',
    createdAt,
    clock: () => new Date(),
  });
