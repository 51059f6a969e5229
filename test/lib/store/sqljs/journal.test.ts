import { mkdir, readdir, readFile, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { CheckpointTask } from '../../../../lib/store/sqljs/checkpoint.js';
import { Journal } from '../../../../lib/store/sqljs/journal.js';
import { decodeRecords } from '../../../../lib/store/sqljs/journal-record.js';
import { tempDir } from '../../../helpers/tmp.js';

function journal(dir: string, over: Partial<ConstructorParameters<typeof Journal>[0]> = {}) {
  return new Journal({
    catalogPath: join(dir, 'state.db'),
    lastSeq: 10,
    activeBytes: 0,
    sealed: [],
    snapshotBytes: 0,
    ...over,
  });
}

async function flush(j: Journal) {
  await j.append(j.capture());
  await j.sealIfDue();
}

t.test('records are numbered on from the last and appended once durable', async (t) => {
  const dir = await tempDir(t);
  const j = journal(dir);
  j.add('[]');
  j.add('[["touchState","s","2026-01-01T00:00:00.000Z"]]');
  t.equal(j.seq, 12);
  t.ok(j.hasPending);
  const captured = j.capture();
  j.add('[]'); // committed while the flush runs: left for the next
  await j.append(captured);
  t.equal(j.hasPending, true);
  await flush(j);
  t.notOk(j.hasPending);
  const { records } = decodeRecords(await readFile(join(dir, 'state.db.journal')));
  t.same(
    records.map((r) => r.seq),
    [11, 12, 13],
  );
});

t.test('past the threshold the segment is sealed and checkpointed; a failure waits', async (t) => {
  const dir = await tempDir(t);
  const tasks: CheckpointTask[] = [];
  const failures: string[] = [];
  let fail = true;
  const j = journal(dir, {
    checkpointBytes: 100,
    onCheckpointFailed: (reason) => failures.push(reason),
    checkpoint: async (task) => {
      tasks.push(task);
      if (fail) return { ok: false, error: { code: 'ENOSPC', message: 'disk full' } };
      return { ok: true, seq: 0, bytes: 1 };
    },
  });
  j.add('[]');
  await flush(j);
  t.equal(tasks.length, 0, 'under the threshold: no checkpoint');
  j.add(JSON.stringify([['x', 'y'.repeat(100)]]));
  await flush(j);
  await j.idle();
  t.same(tasks, [
    {
      catalogPath: join(dir, 'state.db'),
      segments: [join(dir, 'state.db.journal-0000000000000012')],
    },
  ]);
  t.same(failures, ['disk full']);
  t.same(
    await readdir(dir),
    ['state.db.journal-0000000000000012'],
    'sealed, kept after the failure',
  );
  j.add('[]');
  await flush(j);
  await j.idle();
  t.equal(tasks.length, 1, 'not tried again at once');
  fail = false;
  j.add(JSON.stringify([['x', 'y'.repeat(100)]]));
  await flush(j);
  await j.idle();
  t.equal(tasks.length, 2, 'tried again once the journal grew by another threshold');
  t.same(tasks[1]?.segments, [
    join(dir, 'state.db.journal-0000000000000012'),
    join(dir, 'state.db.journal-0000000000000014'),
  ]);
  t.ok(j.empty, "the folded segments are no longer the journal's");
});

t.test('an append that fails keeps its records for the next one', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.db.journal');
  const j = journal(dir);
  j.add('[]');
  await flush(j);
  await rename(path, `${path}.aside`);
  await mkdir(path);
  j.add('[["a"]]');
  await t.rejects(flush(j), { code: 'EISDIR' });
  t.ok(j.hasPending, 'the record waits');
  await rmdir(path);
  await rename(`${path}.aside`, path);
  j.add('[["b"]]');
  await flush(j);
  const after = decodeRecords(await readFile(path));
  t.same(
    after.records.map((r) => r.seq),
    [11, 12, 13],
  );
  t.equal(after.validBytes, (await readFile(path)).length);
});

t.test('every segment opens with the record naming its catalog', async (t) => {
  const dir = await tempDir(t);
  const j = journal(dir, {
    catalogId: 'c-1',
    checkpointBytes: 1,
    // A checkpoint that never ends: nothing else is sealed meanwhile.
    checkpoint: () => new Promise(() => undefined),
  });
  j.add('[]');
  await flush(j); // sealed at once: the next record starts a segment of its own
  j.add('[]');
  await flush(j);
  for (const name of ['state.db.journal-0000000000000011', 'state.db.journal']) {
    const { records } = decodeRecords(await readFile(join(dir, name)));
    t.same(records[0], { seq: 0, calls: [['catalog', 'c-1']] }, name);
    t.equal(records.length, 2, `${name}: then its record`);
  }
});
