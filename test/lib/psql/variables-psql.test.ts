import { execFile } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { expandSql } from '../../../lib/psql/expand.js';
import { tempDir } from '../../helpers/tmp.js';

// Scripts whose variables made psql run a command that the scan of lib/psql/variables.ts let
// through (found by the differential test's pieces and by hand, sixteenth session): psql runs
// each one's `\! touch`, here, and expandSql refuses each.

const run = promisify(execFile);

const SCRIPTS: Record<string, string> = {
  'a \\set under \\if false does not clear a taint':
    "\\set x ''''\n\\if false\n\\set x a\n\\endif\nselect :x' \\! touch MARK #';\n",
  'an unset :x kept in a value is read again where it is used':
    "\\set y :x\n\\set x ''''\nselect :y ' \\! touch MARK #';\n",
  'a value built from a variable and a quote':
    "\\set x a\n\\set y :x ''''\nselect :y ' \\! touch MARK #';\n",
};

t.test('psql runs these; the scan refuses them', async (t) => {
  const dir = await tempDir(t);
  let n = 0;
  for (const [what, script] of Object.entries(SCRIPTS)) {
    const marker = join(dir, `ran-${n++}`);
    const text = script.replace('MARK', marker);
    const file = join(dir, `s${n}.sql`);
    await writeFile(file, text);
    const args = ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file];
    await run('psql', args).catch(() => undefined); // the SQL itself fails
    const ran = await stat(marker).then(
      () => true,
      () => false,
    );
    t.ok(ran, `psql ran the command: ${what}`);
    t.throws(
      () => expandSql(text, { label: 'f.sql', dir }, dir),
      { code: 'invalid_argument' },
      what,
    );
  }
});
