// The checkpoint thread's entry (lib/store/sqljs/checkpoint.ts): one checkpoint, then it ends.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type CheckpointTask, checkpointFromFiles } from './checkpoint.js';

// The lowest CPU priority, for this thread only (Linux: a thread is its own task): on a busy
// machine with few cores a checkpoint otherwise takes CPU time from the main thread, which
// held up the event loop by up to 90 ms a tick (docs/performance.md, Catalog). A system that
// refuses it runs the checkpoint at the normal priority.
try {
  setPriority(19);
} catch {}

parentPort?.postMessage(await checkpointFromFiles(workerData as CheckpointTask));
