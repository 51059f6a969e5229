import { spawn } from 'node:child_process';
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs from 'sql.js';
import t, { type Test } from 'tap';
import { openSqljsStore, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { decodeRecords, encodeRecord } from '../../../../lib/store/sqljs/journal-record.js';
import { checkpointSeq } from '../../../../lib/store/sqljs/journal-replay.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
import { stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

const writer = fileURLToPath(new URL('../../../helpers/catalog-writer.js', import.meta.url));
const ROUNDS = 50;
// A few dozen records a segment: the writer seals and checkpoints all the time.
const CHECKPOINT_BYTES = 16 * 1024;

interface Answered {
  inserted: string[];
  /** Deletes begun: until answered, the state may be there or not. */
  deleting: string[];
  deleted: string[];
  /** Background checkpoints the writer saw fail. */
  failures: string[];
}

/**
 * Runs the writer and kills it with SIGKILL `delayMs` after it is ready (or, with `early`, after
 * it was spawned, to hit start-up, replay and migration), and returns every answered change.
 */
function runAndKill(dir: string, delayMs: number, early: boolean): Promise<Answered> {
  return new Promise((resolve, reject) => {
    // Without the test runner's instrumentation (NODE_OPTIONS), which every thread of the
    // child would load again: the checkpoint threads start 3-10x sooner, and a failure of theirs
    // is the store's, not the runner's hooks'.
    const child = spawn(process.execPath, [writer, dir, String(CHECKPOINT_BYTES)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    if (early) arm();
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) arm();
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL')
        return reject(new Error(`writer ended by itself: ${out.slice(-500)}`));
      // Only complete lines were written by the child before it died.
      const lines = out.split('\n').filter((l) => l.length === 68);
      const ids = (tag: string) => lines.filter((l) => l.startsWith(tag)).map((l) => l.slice(4));
      const failures = out.split('\n').filter((l) => l.startsWith('checkpoint failed'));
      resolve({ inserted: ids('ack '), deleting: ids('try '), deleted: ids('del '), failures });
    });
  });
}

/** What the kill left: sealed segments or a snapshot being written mean a checkpoint was due or under way. */
async function leftBehind(dir: string) {
  const names = await readdir(dir);
  return {
    inCheckpoint: names.some((n) => /^state\.db\.(journal-\d{16}|tmp-.*)$/.test(n)),
    snapshotSeq: await snapshotSeq(dir),
  };
}

async function snapshotSeq(dir: string): Promise<number> {
  const bytes = await readFile(join(dir, STATE_DB)).catch(() => undefined);
  if (!bytes) return 0;
  const db = new (await initSqlJs()).Database(bytes);
  try {
    return checkpointSeq(db);
  } finally {
    db.close();
  }
}

/**
 * Spreads kill points over start-up, replay, migration and steady writing. Every tenth round
 * runs long enough for checkpoint threads to finish (a checkpoint of the few-MB catalog takes
 * a few hundred ms on a busy machine), so that state.db is replaced, and killed while being
 * written.
 */
function killDelay(round: number, early: boolean): number {
  if (round % 10 === 9) return Math.floor(1000 + Math.random() * 1500);
  return Math.floor(Math.random() * (early ? 400 : 300));
}

/** What must be there (answered inserts) and must not (answered deletes) after this run. */
function note(answered: Answered, present: Set<string>, deleted: Set<string>): void {
  for (const id of answered.inserted) present.add(id);
  for (const id of answered.deleting) present.delete(id);
  for (const id of answered.deleted) {
    present.delete(id);
    deleted.add(id);
  }
}

/**
 * Opens a copy of what the kill left and counts answered inserts missing and answered deletes
 * undone. A copy: the next round's writer starts from the files exactly as killed.
 */
async function reopenedCopy(t: Test, dir: string, present: Set<string>, deleted: Set<string>) {
  const copy = await tempDir(t);
  await copyCatalog(dir, copy);
  const store = await openSqljsStore({ dir: copy });
  const lost = [...present].filter((id) => !store.getState(id)).length;
  const back = [...deleted].filter((id) => store.getState(id)).length;
  await store.close();
  return { lost, back };
}

// About a second a round on a busy 2-core machine: a process start, a reopen and a close.
const timeout = 600_000;

t.test(
  `SIGKILL at random points never loses an answered change (${ROUNDS} rounds)`,
  { timeout },
  async (t) => {
    const dir = await tempDir(t);
    const present = new Set<string>();
    const deleted = new Set<string>();
    let killsInCheckpoint = 0;
    let seq = 0;
    let checkpointsLanded = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const early = round % 5 === 0;
      const answered = await runAndKill(dir, killDelay(round, early), early);
      for (const failure of answered.failures) t.fail(`round ${round}: ${failure}`);
      note(answered, present, deleted);
      const left = await leftBehind(dir);
      if (left.inCheckpoint) killsInCheckpoint++;
      if (left.snapshotSeq > seq) checkpointsLanded++;
      seq = Math.max(seq, left.snapshotSeq);
      const { lost, back } = await reopenedCopy(t, dir, present, deleted);
      if (lost > 0) t.fail(`round ${round}: ${lost} answered inserts lost`);
      if (back > 0) t.fail(`round ${round}: ${back} answered deletes undone`);
    }
    t.ok(present.size > 0, `inserts were answered before kills (${present.size} kept)`);
    t.ok(deleted.size > 0, `deletes were answered before kills (${deleted.size})`);
    t.ok(killsInCheckpoint > 0, `${killsInCheckpoint} kills left a checkpoint due or under way`);
    t.ok(checkpointsLanded > 0, `checkpoints replaced state.db in ${checkpointsLanded} rounds`);
  },
);

/** A catalog as on disk while its store is open: snapshot and journal, nothing folded yet. */
async function journaled(t: Test, ids: string[]): Promise<string> {
  const dir = await tempDir(t);
  const store = await openSqljsStore({ dir });
  for (const id of ids) await store.write((w) => w.insertState(stateRow({ state_id: id })));
  const copy = await tempDir(t);
  await copyCatalog(dir, copy);
  await store.close();
  return copy;
}

t.test(
  'a torn last record is ignored; every answered change opens, and writes go on',
  async (t) => {
    const ids = [stateRow().state_id, stateRow().state_id, stateRow().state_id];
    const tears: Record<string, (journal: Buffer) => Buffer> = {
      'cut short': (j) => j.subarray(0, j.length - 7),
      'bad checksum': (j) => Buffer.concat([j.subarray(0, j.length - 3), Buffer.from('zzz')]),
      'zeros after it': (j) => Buffer.concat([j, Buffer.alloc(4096)]),
    };
    for (const [label, tear] of Object.entries(tears)) {
      const dir = await journaled(t, ids);
      const journal = join(dir, `${STATE_DB}.journal`);
      await writeFile(journal, tear(await readFile(journal)));
      const store = await openSqljsStore({ dir });
      const kept = ids.filter((id) => store.getState(id));
      const whole = label === 'zeros after it' ? ids : ids.slice(0, 2);
      t.same(kept, whole, `${label}: the whole records are there`);
      const after = stateRow();
      // Appended after the last whole record, not after the torn one.
      await store.write((w) => w.insertState(after));
      const copy = await tempDir(t);
      await copyCatalog(dir, copy);
      await store.close();
      const again = await openSqljsStore({ dir: copy });
      t.ok(again.getState(after.state_id), `${label}: a write after the tear survives a crash`);
      t.same(
        whole.filter((id) => again.getState(id)),
        whole,
      );
      await again.close();
    }
  },
);

t.test('an unreadable state.db is refused and left byte-identical, journal too', async (t) => {
  const dir = await journaled(t, [stateRow().state_id]);
  const garbage = Buffer.from('not a sqlite file at all '.repeat(100));
  await writeFile(join(dir, STATE_DB), garbage);
  const journal = await readFile(join(dir, `${STATE_DB}.journal`));
  await t.rejects(openSqljsStore({ dir }), /refusing to start/);
  t.same(await readFile(join(dir, STATE_DB)), garbage, 'state.db untouched');
  t.same(await readFile(join(dir, `${STATE_DB}.journal`)), journal, 'journal untouched');
});

t.test('a journal without its state.db, or with a record missing, is refused', async (t) => {
  const gone = await journaled(t, [stateRow().state_id]);
  await unlink(join(gone, STATE_DB));
  await t.rejects(openSqljsStore({ dir: gone }), /journal is there; refusing to start/);
  t.same(await readdir(gone), [`${STATE_DB}.journal`], 'no new catalog made over it');

  const gap = await journaled(t, [stateRow().state_id, stateRow().state_id]);
  const path = join(gap, `${STATE_DB}.journal`);
  const { records } = decodeRecords(await readFile(path));
  const calls = (seq: number) => JSON.stringify(records.find((r) => r.seq === seq)?.calls);
  const last = records.at(-1)?.seq as number;
  // The last record again, numbered as if one before it had been lost.
  const skipped = Buffer.concat([await readFile(path), encodeRecord(last + 2, calls(last))]);
  await writeFile(path, skipped);
  await t.rejects(openSqljsStore({ dir: gap }), new RegExp(`record ${last + 1} is missing`));
  t.same(await readFile(path), skipped, 'journal untouched');
});
