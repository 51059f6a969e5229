import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startEngine } from '../../../../lib/client/local-engine/engine-start.js';
import { tempDir } from '../../../helpers/tmp.js';

// The CLI's messages and exit code for these are in test/cli/engine-start.test.ts; here, the
// code every caller decides by.

t.test('an engine that cannot be started, or exits at once: engine_start_failed', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(startEngine(dir, { ...process.env, SQLRS_DAEMON_PATH: '/bin/false' }), {
    code: 'engine_start_failed',
    message: 'the engine exited with code 1 while starting',
    details: `see ${join(dir, 'logs', 'engine.log')}`,
  });
  const missing = join(dir, 'no-such-engine');
  await t.rejects(startEngine(dir, { ...process.env, SQLRS_DAEMON_PATH: missing }), {
    code: 'engine_start_failed',
    message: /could not be started: spawn .*no-such-engine ENOENT/,
  });
});

t.test('a state dir that cannot be made: engine_start_failed naming it', async (t) => {
  const file = join(await tempDir(t), 'a-file');
  await writeFile(file, '');
  const dir = join(file, 'state');
  await t.rejects(startEngine(dir, process.env), {
    code: 'engine_start_failed',
    message: new RegExp(`^cannot create ${dir}: `),
  });
});
