import { spawn } from 'node:child_process';
import t from 'tap';
import { CLI_BIN, cliStateDir } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

/** The terminal's erase-line sequence that every progress redraw starts with. */
const CLEAR = '\u001b[2K';

// A real pseudo-terminal (util-linux `script`): Ctrl+C is typed as ^C, so the terminal sends
// SIGINT and then, once the prompt has it in raw mode, a keypress. `exec` makes the CLI the
// terminal's only foreground process: a shell that stays (dash, the /bin/sh `script` falls back
// to) would die of that SIGINT and take the terminal down with exit 130.
t.test('on a terminal: the prompt stays visible, a second Ctrl+C cancels at once', async (t) => {
  const dir = await cliStateDir(t);
  const cmd = `${process.execPath} ${CLI_BIN} --state-dir ${dir} prepare:psql -- -c "select pg_sleep(60)"`;
  const term = spawn('script', ['-qefc', `exec ${cmd}`, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => term.kill());
  let screen = '';
  term.stdout.on('data', (d) => {
    screen += d;
  });
  const exited = new Promise<number | null>((r) => term.on('close', r));
  await until(() => screen.includes('execute-0 (step 1 of 1) running'), 'the step runs');
  term.stdin.write('\u0003');
  await until(() => /Cancel job [0-9a-f]{32}\? \[y\/N\] /.test(screen), 'the prompt');
  const atPrompt = screen.length;
  // Long enough for several redraws (every 100 ms) and heartbeats (every 500 ms) had they
  // still been drawn; the assertion is on what was drawn, not on the time.
  await new Promise((r) => setTimeout(r, 800));
  t.notOk(screen.slice(atPrompt).includes(CLEAR), 'nothing drawn over the prompt');
  term.stdin.write('\u0003');
  t.equal(await exited, 3, 'the job was cancelled: exit 3');
  const after = screen.slice(atPrompt);
  t.match(after, /cancelling job [0-9a-f]{32}/);
  t.match(after, /job [0-9a-f]{32} failed: .*cancel/);
});
