// Child process for the crash test: writes states to the catalog in overlapping bursts and
// prints `ack <id>` for each write once `write()` has resolved, i.e. once it was answered.
import { openSqljsStore } from '../../lib/store/sqljs/index.js';
import { stateRow } from './rows.js';

const dir = process.argv[2] as string;
const store = await openSqljsStore({ dir });
process.stdout.write('ready\n');
for (;;) {
  const burst = Array.from({ length: 1 + Math.floor(Math.random() * 4) }, () => stateRow());
  await Promise.all(
    burst.map(async (row) => {
      await store.write((w) => w.insertState(row));
      process.stdout.write(`ack ${row.state_id}\n`);
    }),
  );
}
