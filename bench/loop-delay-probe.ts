// Loaded into an engine's process by a bench (`node --import dist/bench/loop-delay-probe.js`):
// measures the engine's own event loop, so a stall of its main thread is seen directly, not
// through a probe's round trip. On SIGUSR2 it writes what it measured since the last signal to
// the file named by SQLRS_BENCH_LOOP_FILE (a sequence number, then the longest and the 99th
// percentile delay in ms), and starts over. Never part of the engine itself.
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.SQLRS_BENCH_LOOP_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let seq = 0;
  process.on('SIGUSR2', () => {
    const ms = (ns: number) => ns / 1e6;
    const figures = { seq: ++seq, maxMs: ms(delay.max), p99Ms: ms(delay.percentile(99)) };
    writeFileSync(`${file}.tmp`, JSON.stringify(figures));
    renameSync(`${file}.tmp`, file); // whole, never half-written to the bench's read
    delay.reset();
  });
}
