import t from 'tap';
import { mayDoHarm } from '../../../../lib/psql/guard/commands.js';

const harm = (name: string, args = '') => mayDoHarm({ name, args });

t.test('commands psql knows may do harm, unless they only change the display', async (t) => {
  for (const name of ['!', 'i', 'ir', 'copy', 'set', 'gset', 'gexec', 'o', 'w', 'setenv', 'g'])
    t.ok(harm(name), name);
  t.ok(harm('lo_import'), 'the lo_ family');
  t.ok(harm('sf+'), 'with a modifier');
  t.ok(harm('gx'));
  for (const name of ['t', 'x', 'f', 'r', 'd', 'dt+', 'timing']) t.notOk(harm(name), name);
});

t.test('names psql does not know do nothing: COPY data escapes', async (t) => {
  for (const name of ['N', 'b', 'n', 'v', 'x41', '1', '.', 'tbar']) t.notOk(harm(name), name);
});

t.test('a backquote in the arguments runs a shell command, whatever the command', async (t) => {
  t.ok(harm('t', ' `touch x`'));
  t.ok(harm('echo', ' `id`'));
});
