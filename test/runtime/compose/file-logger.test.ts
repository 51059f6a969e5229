import { readFile, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { createFileLogger, logStartFailure } from '../../../runtime/compose/file-logger.js';
import { tempDir } from '../../helpers/tmp.js';

const clock = () => new Date('2026-01-01T00:00:00Z');

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('timed out');
}

t.test('every line, in order, as JSON with ts, level and event', async (t) => {
  const path = join(await tempDir(t), 'engine.log');
  const log = createFileLogger(path, clock, false);
  log.info('a', { n: 1 });
  log.error('b', { n: 2 });
  log.info('c', { n: 3 });
  await log.close();
  t.same(await lines(path), [
    { ts: '2026-01-01T00:00:00.000Z', level: 'info', event: 'a', n: 1 },
    { ts: '2026-01-01T00:00:00.000Z', level: 'error', event: 'b', n: 2 },
    { ts: '2026-01-01T00:00:00.000Z', level: 'info', event: 'c', n: 3 },
  ]);
});

t.test('info lines are written in a batch shortly after', async (t) => {
  const path = join(await tempDir(t), 'engine.log');
  const log = createFileLogger(path, clock, false, 20);
  t.teardown(() => log.close());
  log.info('a');
  log.info('b');
  const got = await until(
    () => lines(path),
    (l) => l.length === 2,
  );
  t.same(
    got.map((l) => l.event),
    ['a', 'b'],
  );
});

t.test('an error line goes out at once, with the lines before it', async (t) => {
  const path = join(await tempDir(t), 'engine.log');
  const log = createFileLogger(path, clock, false, 60_000); // info alone would wait a minute
  t.teardown(() => log.close());
  log.info('before');
  log.error('failed');
  const got = await until(
    () => lines(path),
    (l) => l.length > 0,
  );
  t.same(
    got.map((l) => l.event),
    ['before', 'failed'],
  );
});

t.test('a start failure is appended at once; a log that cannot be written is let be', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'engine.log');
  const log = createFileLogger(path, clock, false);
  log.error('before');
  await log.close();
  logStartFailure(path, 'catalog x cannot be used', clock);
  t.same((await lines(path)).at(-1), {
    ts: '2026-01-01T00:00:00.000Z',
    level: 'error',
    event: 'engine_start_failed',
    message: 'catalog x cannot be used',
  });
  t.doesNotThrow(() => logStartFailure(join(dir, 'no-such-dir', 'engine.log'), 'x', clock));
});

t.test('a write that fails (a full disk) loses its lines, not the log', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'engine.log');
  await symlink('/dev/full', path); // every write to it fails with ENOSPC
  const log = createFileLogger(path, clock, false);
  log.error('lost');
  await new Promise((r) => setTimeout(r, 50));
  await unlink(path);
  await writeFile(path, '{"torn": ');
  log.error('after', { n: 1 });
  await log.close();
  t.equal(
    await readFile(path, 'utf8'),
    '{"torn": \n{"ts":"2026-01-01T00:00:00.000Z","level":"error","event":"after","n":1}\n',
    'the file is opened again, after ending the line a failure may have torn',
  );
});

t.test('a log that cannot be written at all: nothing thrown, close ends', async (t) => {
  const path = join(await tempDir(t), 'engine.log');
  await symlink('/dev/full', path);
  const log = createFileLogger(path, clock, false);
  log.error('a');
  await new Promise((r) => setTimeout(r, 50));
  log.error('b');
  log.info('c');
  await log.close();
  t.pass('closed');
});
