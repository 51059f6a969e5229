import t from 'tap';
import { lineEnd, readMeta } from '../../../../lib/psql/scan/meta-scan.js';

t.test('a command: its name, and its arguments up to where psql ends them', async (t) => {
  t.match(readMeta('\\echo hi \\! x\n', 0, 1), { name: 'echo', args: ' hi ', start: 0, end: 9 });
  t.match(readMeta('\\! ls \\o x\n', 0, 1), { name: '!', args: ' ls \\o x', end: 10 });
  t.match(readMeta("\\set v 'a\\\\' \\o\n", 0, 1), { name: 'set', args: " v 'a\\\\' " });
  t.match(readMeta('\\sf+ f\n', 0, 2), { name: 'sf+', line: 2 });
  t.match(readMeta('\\101\n', 0, 1), { name: '1', args: '01' }, 'one character if no letter');
  t.match(
    readMeta('\\\\ select $a$', 0, 1),
    { name: '\\', args: ' select $a$' },
    'to psql, \\\\ here is a command named \\',
  );
  t.equal(readMeta('\\\n', 0, 1), undefined);
  t.equal(lineEnd('ab\ncd', 0), 2);
  t.equal(lineEnd('ab\ncd', 3), 5);
});
