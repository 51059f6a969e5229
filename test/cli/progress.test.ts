import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Progress } from '../../cli/progress.js';
import type { JobEvent } from '../../lib/schema-types.js';
import { CLI_BIN, cliStateDir } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

/** The terminal's erase-line sequence that the spinner redraws with. */
const CLEAR = '\u001b[2K';

/** An event time, `ms` after the first. */
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

const ev = (e: Partial<JobEvent>): JobEvent =>
  ({ type: 'task', ts: '2026-01-01T00:00:00.000Z', ...e }) as JobEvent;

t.test('plain mode: one line per change, heartbeats not repeated, logs only with -v', async (t) => {
  const out: string[] = [];
  const p = new Progress({ tty: false, verbose: false, write: (s) => out.push(s) });
  // Times are the events' own (a replay comes all at once): ms after the first event.
  p.event(ev({ type: 'status', status: 'running', ts: at(0) }));
  p.event(ev({ task_id: 'execute-0', status: 'running', ts: at(0) }), 2);
  p.event(ev({ task_id: 'execute-0', status: 'running', ts: at(500) }), 2);
  p.event(ev({ type: 'log', task_id: 'execute-0', message: 'CREATE TABLE', ts: at(700) }), 2);
  p.event(ev({ task_id: 'execute-0', status: 'succeeded', ts: at(1200) }), 2);
  p.done();
  t.same(out, [
    'job running [0.0s]\n',
    'execute-0 (step 1 of 2) running [0.0s]\n',
    'execute-0 (step 1 of 2) running [0.5s]\n',
    'execute-0 (step 1 of 2) succeeded [1.2s]\n',
  ]);
  const verbose: string[] = [];
  const v = new Progress({ tty: true, verbose: true, write: (s) => verbose.push(s), now: () => 0 });
  v.event(ev({ type: 'log', task_id: 'execute-0', message: 'CREATE TABLE' }));
  v.done();
  t.same(verbose, ['  execute-0: CREATE TABLE\n'], '-v wins over the spinner and shows logs');
});

t.test('TTY mode: a spinner line redrawn in place and cleared at the end', async (t) => {
  const out: string[] = [];
  const p = new Progress({ tty: true, verbose: false, write: (s) => out.push(s), now: () => 0 });
  p.event(ev({ task_id: 'execute-0', status: 'running' }), 3);
  await until(() => out.length >= 3, 'two redraws after the first line');
  p.done();
  t.ok(out.length >= 3, 'redrawn while time passes');
  t.equal(out[0], `\r${CLEAR}⠋ execute-0 (step 1 of 3) running [0.0s]`);
  t.equal(out.at(-1), `\r${CLEAR}`);
});

t.test('through a real pseudo-terminal: spinner on stderr, DSN on stdout', async (t) => {
  const dir = await cliStateDir(t);
  const cmd = `${process.execPath} ${CLI_BIN} --state-dir ${dir} prepare:psql -- -c "select pg_sleep(0.6)"`;
  const { stdout } = await promisify(execFile)('script', ['-qefc', cmd, '/dev/null']);
  const spinnerLine = new RegExp(
    `\r${CLEAR.replace('[', '\\[')}[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] execute-0 \\(step 1 of 1\\) running \\[\\d+\\.\\ds\\]`,
  );
  t.match(stdout, spinnerLine);
  t.match(stdout, /DSN=postgres:\/\/\S+/);
  t.notMatch(stdout, /\njob running \[/, 'no plain lines on a terminal');
});

t.test('held for a prompt: nothing drawn until resumed, then the latest state', async (t) => {
  const held: string[] = [];
  const control: string[] = [];
  const p = new Progress({ tty: true, verbose: false, write: (s) => held.push(s), now: () => 0 });
  const c = new Progress({
    tty: true,
    verbose: false,
    write: (s) => control.push(s),
    now: () => 0,
  });
  p.event(ev({ task_id: 'execute-0', status: 'running' }), 2);
  p.hold();
  t.equal(held.at(-1), `\r${CLEAR}`, 'the line is cleared for the question');
  const atHold = held.length;
  p.event(ev({ task_id: 'execute-1', status: 'running' }), 2);
  c.event(ev({ task_id: 'execute-0', status: 'running' }), 2);
  await until(() => control.length >= 4, 'the control progress redrew three times');
  t.equal(held.length, atHold, 'no event or tick drew over the prompt');
  p.resume();
  t.equal(held.at(-1)?.includes('execute-1 (step 2 of 2) running'), true, 'redrawn as it now is');
  p.done();
  c.done();
  p.resume();
  const atDone = held.length;
  t.equal(held.length, atDone, 'a resume after done draws nothing');
});
