import { existsSync, rmSync } from 'node:fs';
import t from 'tap';
import { newInstanceId } from '../../../lib/id.js';
import { testEngine } from '../../helpers/engine.js';
import { ADMIN_URL, query } from '../../helpers/postgres.js';
import { prepare } from '../../helpers/prepare.js';

// A step stores SQL after a search_path (set_config, then SET ... FROM CURRENT); the settings
// copy after the next clone ran it with the engine's credentials: a superuser and a file on the
// database host from one request (docs/security.md, "Roles in the database").

t.test('a setting a step stores is never run as SQL by the engine', async (t) => {
  const e = await testEngine(t, {
    config: { build_role: 'restricted', psql_restrict: true, host_files: false },
  });
  const role = `sqlrs_t_${newInstanceId().slice(0, 12)}`;
  const marker = `/tmp/${role}`;
  t.teardown(async () => {
    await query(ADMIN_URL, `drop role if exists ${role}`);
    rmSync(marker, { force: true });
  });
  const injected = [
    `public;CREATE/**/ROLE/**/${role}/**/SUPERUSER;`,
    `COPY/**/(SELECT/**/current_user)/**/TO/**/''${marker}''`,
  ].join('');
  const stdin = [
    `select set_config('search_path', '${injected}', false);`,
    `do $$ begin execute format('ALTER ROLE CURRENT_USER IN DATABASE %I SET search_path FROM CURRENT', current_database()); end $$;`,
    '',
  ].join('\n');
  const p = await prepare(e, { psql_args: ['-f', '-', '-c', 'select 1'], stdin });
  t.equal(p.job.status, 'succeeded', JSON.stringify(p.job.error));
  const made = await query(ADMIN_URL, 'select rolsuper from pg_roles where rolname = $1', [role]);
  t.same(made, [], 'no role was made');
  t.notOk(existsSync(marker), 'no file was written on the database host');
});
