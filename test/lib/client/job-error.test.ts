import t from 'tap';
import { jobError } from '../../../lib/client/job-error.js';

t.test("psql's FILE:LINE becomes file and line, and stays in the message", async (t) => {
  const err = jobError(
    {
      code: 'invalid_argument',
      message: 'psql failed in step 2 with exit code 3',
      details: 'psql:/w/a:b/seed.sql:40: ERROR:  boom\nLINE 1: select nope',
    },
    'j',
  );
  t.match(err, {
    code: 'invalid_argument',
    file: '/w/a:b/seed.sql',
    line: 40,
    jobId: 'j',
    message: 'psql failed in step 2 with exit code 3: /w/a:b/seed.sql:40: ERROR:  boom',
  });
});

t.test('no place named: the engine message as it is; no error at all: job_failed', async (t) => {
  const err = jobError({ code: 'unavailable', message: 'server down' }, 'j');
  t.match(err, { code: 'unavailable', message: 'server down', file: undefined, line: undefined });
  t.match(jobError(undefined, 'j'), { code: 'job_failed', message: 'job j failed' });
});
