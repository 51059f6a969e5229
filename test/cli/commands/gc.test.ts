import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

t.test('gc and status --cache: usage per server, a dry run, then the pass', async (t) => {
  const dir = await cliStateDir(t);
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ cache_max_bytes: 1, cache_min_age: '0', warm_pool: { per_state: 0 } }),
  );
  const cli = cliIn(dir);
  const prep = JSON.parse(
    (await cli(['prepare:psql', '--output', 'json', '--', '-c', 'create table t(x int)'])).stdout,
  );
  const status = await cli(['status', '--cache']);
  t.equal(status.code, 0, status.stderr);
  t.match(status.stdout, /cache {5}postgres.* of 1 B: 1 states, 0 warm copies, 1 instances/);
  // Over the budget, but its one state is held by the instance: nothing goes, and it says so.
  const held = await cli(['gc']);
  t.equal(held.code, 0, held.stderr);
  t.match(
    held.stdout,
    /^nothing to evict\npostgres.*, over its budget of 1 B; what remains is held\n$/,
  );
  t.equal((await cli(['rm', prep.instance_id])).code, 0);
  const dry = await cli(['gc', '--dry-run']);
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, `would evict state ${prep.state_id} (postgres,`);
  const gc = await cli(['gc', '--output', 'json']);
  t.equal(gc.code, 0, gc.stderr);
  t.match(JSON.parse(gc.stdout), {
    dry_run: false,
    evicted: [{ kind: 'state', id: prep.state_id }],
  });
  t.equal(
    (await cli(['gc'])).stdout,
    'nothing to evict: every server is within its cache budget\n',
  );
});
