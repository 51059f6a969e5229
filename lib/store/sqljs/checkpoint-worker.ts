// The checkpoint thread's entry (lib/store/sqljs/checkpoint.ts): one checkpoint, then it ends.
import { parentPort, workerData } from 'node:worker_threads';
import { type CheckpointTask, checkpointFromFiles } from './checkpoint.js';

parentPort?.postMessage(await checkpointFromFiles(workerData as CheckpointTask));
