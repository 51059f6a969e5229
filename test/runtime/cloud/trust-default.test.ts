import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createFetchHandler } from '../../../runtime/cloud/fetch.js';
import { dropCatalogDatabases } from '../../helpers/catalog-cleanup.js';
import { tempDir } from '../../helpers/tmp.js';

const TOKEN = 'f'.repeat(64);

// A cloud function is reached by others: by default host files are off and psql runs
// restricted (docs/prepare.md), without any config saying so.
t.test('the cloud default refuses a -f file and runs psql restricted', async (t) => {
  const stateDir = await tempDir(t);
  const file = join(stateDir, 'script.sql');
  await writeFile(file, 'select 1;\n');
  const h = createFetchHandler({ stateDir, authToken: TOKEN });
  const core = await h.engine();
  t.teardown(async () => {
    await h.close();
    await dropCatalogDatabases(core.store.catalogId);
  });
  const post = async (body: Record<string, unknown>) => {
    const res = await h(
      new Request('http://sqlrs.invalid/v1/prepare-jobs', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prepare_kind: 'psql', ...body }),
      }),
    );
    return { status: res.status, json: (await res.json()) as { job_id?: string } };
  };
  const refused = await post({ psql_args: ['-f', file] });
  t.equal(refused.status, 400);
  t.match(refused.json, { code: 'invalid_argument', message: /^-f .*host_files is off/ });
  const run = await post({ psql_args: ['-c', '\\echo hello'] });
  t.equal(run.status, 202);
  const jobUrl = `http://sqlrs.invalid/v1/prepare-jobs/${run.json.job_id}`;
  const auth = { authorization: `Bearer ${TOKEN}` };
  await (await h(new Request(`${jobUrl}/events`, { headers: auth }))).text();
  const job = (await (await h(new Request(jobUrl, { headers: auth }))).json()) as {
    status: string;
    error: { details: string };
  };
  t.equal(job.status, 'failed');
  t.match(job.error.details, /backslash commands are restricted/);
});
