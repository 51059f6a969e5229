import t from 'tap';
import { resolveMysqlFiles, resolvePsqlFiles } from '../../../lib/client/file-args.js';

t.test('psql: every spelling of -f is made absolute against cwd; -f - reads stdin', async (t) => {
  t.same(
    resolvePsqlFiles(
      ['-f', 'a.sql', '--file=b/c.sql', '-fd.sql', '-f', '/abs.sql', '-c', 'x'],
      '/w',
    ),
    {
      args: ['-f', '/w/a.sql', '--file=/w/b/c.sql', '-f/w/d.sql', '-f', '/abs.sql', '-c', 'x'],
      readsStdin: false,
    },
  );
  t.same(resolvePsqlFiles(['-f', '-'], '/w'), { args: ['-f', '-'], readsStdin: true });
});

t.test('mysql: positional files are made absolute; -e values and flags are not', async (t) => {
  t.same(resolveMysqlFiles(['s.sql', '-e', 'select 1', '--force', '/x.sql', '-'], '/w'), {
    args: ['/w/s.sql', '-e', 'select 1', '--force', '/x.sql', '-'],
    readsStdin: true,
  });
});
