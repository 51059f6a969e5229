// Child process for the crash test: writes states to the catalog in overlapping bursts and
// prints `ack <id>` for each insert and `del <id>` for each delete once `write()` has
// resolved, i.e. once it was answered (and `try <id>` as a delete starts). argv: the state dir, the journal's checkpoint threshold
// in bytes (small, so that kills land in checkpoints too).
import { openSqljsStore } from '../../lib/store/sqljs/index.js';
import { stateRow } from './rows.js';

const dir = process.argv[2] as string;
const checkpointBytes = Number(process.argv[3]);
const store = await openSqljsStore({
  dir,
  checkpointBytes,
  onCheckpointFailed: (reason) => process.stdout.write(`checkpoint failed: ${reason}\n`),
});
process.stdout.write('ready\n');
const mine: string[] = [];
for (;;) {
  const burst = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => stateRow());
  await Promise.all([
    ...burst.map(async (row) => {
      await store.write((w) => w.insertState(row));
      mine.push(row.state_id);
      process.stdout.write(`ack ${row.state_id}\n`);
    }),
    // Now and then one of this run's answered states goes again: deletes must last too.
    (async () => {
      const gone = Math.random() < 0.3 ? mine.shift() : undefined;
      if (!gone) return;
      process.stdout.write(`try ${gone}\n`); // from here on, either outcome may last
      await store.write((w) => w.deleteState(gone));
      process.stdout.write(`del ${gone}\n`);
    })(),
  ]);
}
