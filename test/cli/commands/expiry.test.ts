import t from 'tap';
import { untilTime } from '../../../cli/commands/ls.js';
import { ttlSeconds } from '../../../cli/commands/prepare.js';
import { cliIn, cliStateDir } from '../../helpers/cli.js';

t.test(
  '--ttl: durations in whole seconds; anything else is a usage error naming --ttl',
  async (t) => {
    t.equal(ttlSeconds('30m'), 1800);
    t.equal(ttlSeconds('1h30m'), 5400);
    t.equal(ttlSeconds('744h'), 2_678_400);
    for (const bad of ['x', '0', '1.5s', '500ms', '745h', '-1s']) {
      t.throws(() => ttlSeconds(bad), { message: /--ttl/ }, bad);
    }
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    t.equal(untilTime(undefined, now), '-');
    t.equal(untilTime('2026-01-01T00:25:00.000Z', now), 'in 25m');
    t.equal(untilTime('2025-12-31T23:00:00.000Z', now), 'expired');
  },
);

t.test('prepare --ttl sets the expiry, ls shows it, rm takes a name', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  const prep = await cli([
    'prepare:psql',
    '--ttl',
    '30m',
    '--name',
    'short',
    '--output',
    'json',
    '--',
    '-c',
    'create table t(x int)',
  ]);
  t.equal(prep.code, 0, prep.stderr);
  const id = JSON.parse(prep.stdout).instance_id as string;
  const ls = await cli(['ls', '-i']);
  t.match(ls.stdout, /INSTANCE\s+NAME\s+STATE\s+IMAGE\s+STATUS\s+CREATED\s+EXPIRES\s+DSN/);
  t.match(ls.stdout, /short\s+\S+\s+\S+\s+active\s+.*\s+in (29|30)m\s/);
  const bad = await cli(['prepare:psql', '--ttl', 'soon', '--', '-c', 'select 1']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--ttl soon/);
  const rm = await cli(['rm', 'short']);
  t.equal(rm.code, 0, rm.stderr);
  t.equal(rm.stdout, `instance ${id} deleted connections=0\n`);
  const again = await cli(['rm', 'short']);
  t.equal(again.code, 2, 'a name bound to nothing is an argument error');
});
