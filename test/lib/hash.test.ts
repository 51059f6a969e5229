import { createHash } from 'node:crypto';
import t from 'tap';
import { H, HASH_SCHEMA, sha256Hex, stateId, taskHash } from '../../lib/hash.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

t.test('H is SHA-256 over <key>=<byte length>:<value>\\n per field', async (t) => {
  t.equal(H([['a', 'xy']]), sha('a=2:xy\n'));
  t.equal(H([['k', 'é']]), sha('k=2:é\n'), 'lengths are bytes, not characters');
  t.equal(
    H([
      ['a', '1'],
      ['b', ''],
    ]),
    sha('a=1:1\nb=0:\n'),
  );
  t.not(
    H([['a', '1\nb=0:']]),
    H([
      ['a', '1'],
      ['b', ''],
    ]),
    'length prefixes keep fields apart',
  );
});

t.test('task hash and state id follow docs/prepare.md', async (t) => {
  const content = sha256Hex([Buffer.from('select 1')]);
  t.equal(content, sha('select 1'));
  const task = taskHash('psql', content, ['-X', '-c']);
  t.equal(
    task,
    sha(
      `prepare_kind=4:psql\ncontent_hash=64:${content}\nstep_args=11:["-X","-c"]\nhash_schema=${HASH_SCHEMA.length}:${HASH_SCHEMA}\n`,
    ),
  );
  t.not(taskHash('psql', content, ['-X', '-f']), task, '-c and -f steps differ');
  t.equal(
    stateId('image', 'pg@15', task),
    sha(`input_kind=5:image\ninput_id=5:pg@15\ntask_hash=64:${task}\n`),
  );
  t.match(stateId('state', 'x', task), /^[0-9a-f]{64}$/);
});
