import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import initSqlJs from 'sql.js';
import t from 'tap';
import { openSqljsStore, STATE_DB } from '../../../../lib/store/sqljs/index.js';
import { checkpointSeq } from '../../../../lib/store/sqljs/journal-replay.js';
import { copyCatalog } from '../../../helpers/catalog-files.js';
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
    const child = spawn(process.execPath, [writer, dir, String(CHECKPOINT_BYTES)], {
      stdio: ['ignore', 'pipe', 'inherit'],
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

// About a second a round on a busy 2-core machine: a process start, a reopen and a close.
const timeout = 300_000;

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
      // Spread kill points over start-up, replay, migration and steady writing. Every tenth
      // round runs long enough for checkpoint threads to finish (they take 0.2-0.8 s to start
      // under the test runner), so that state.db is replaced, and killed while being written.
      const early = round % 5 === 0;
      const delay =
        round % 10 === 9 ? 1000 + Math.random() * 1500 : Math.random() * (early ? 400 : 300);
      const answered = await runAndKill(dir, Math.floor(delay), early);
      for (const failure of answered.failures) t.fail(`round ${round}: ${failure}`);
      for (const id of answered.inserted) present.add(id);
      for (const id of answered.deleting) present.delete(id);
      for (const id of answered.deleted) {
        present.delete(id);
        deleted.add(id);
      }
      const left = await leftBehind(dir);
      if (left.inCheckpoint) killsInCheckpoint++;
      if (left.snapshotSeq > seq) checkpointsLanded++;
      seq = Math.max(seq, left.snapshotSeq);
      // Checked on a copy: the next round's writer starts from the files exactly as killed.
      const copy = await tempDir(t);
      await copyCatalog(dir, copy);
      const store = await openSqljsStore({ dir: copy });
      const lost = [...present].filter((id) => !store.getState(id));
      const back = [...deleted].filter((id) => store.getState(id));
      await store.close();
      if (lost.length > 0) t.fail(`round ${round}: ${lost.length} answered inserts lost`);
      if (back.length > 0) t.fail(`round ${round}: ${back.length} answered deletes undone`);
    }
    t.ok(present.size > 0, `inserts were answered before kills (${present.size} kept)`);
    t.ok(deleted.size > 0, `deletes were answered before kills (${deleted.size})`);
    t.ok(killsInCheckpoint > 0, `${killsInCheckpoint} kills left a checkpoint due or under way`);
    t.ok(checkpointsLanded > 0, `checkpoints replaced state.db in ${checkpointsLanded} rounds`);
  },
);
