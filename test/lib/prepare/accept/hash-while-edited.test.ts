import { createHash } from 'node:crypto';
import { open, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { testEngine } from '../../../helpers/engine.js';
import { query } from '../../../helpers/postgres.js';
import { prepare } from '../../../helpers/prepare.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * A script rewritten while the engine hashes it: the state kept (if any) must be built from
 * the content its id was hashed from, so later prepares of the old content never get the new
 * one as a cache hit (docs/prepare.md). The file is big enough that hashing it takes a while;
 * the rewrite is triggered by the engine's first read of it (its access time moves), not by a
 * timer.
 */

const SIZE = 30_000_000;
const script = (fill: string) =>
  Buffer.from(
    `create table kept(v text);\ninsert into kept select md5($$${fill.repeat(SIZE)}$$);\n`,
  );
const OLD = script('x');
const NEW = script('y'); // the same size: only the file's times show the rewrite

t.test('a file rewritten while it is hashed does not poison the cache', async (t) => {
  const e = await testEngine(t);
  const dir = await tempDir(t);
  const path = join(dir, 'big.sql');
  await writeFile(path, OLD);
  // Access time before the modification time: the first read moves it (relatime).
  await utimes(path, new Date(0), (await stat(path)).mtime);
  await new Promise((r) => setTimeout(r, 100)); // let the file settle before it is read
  const rewritten = rewriteOnFirstRead(path, NEW);
  const first = await prepare(e, { psql_args: ['-f', path] });
  await rewritten;
  if (first.job.status === 'succeeded') {
    // Whatever ran, the state's id must be the hash of it: preparing that content again is a
    // hit on the same state.
    const ran = await valueIn(first.result?.dsn as string);
    const same = await prepareContent(t, ran === md5Of(NEW) ? NEW : OLD);
    t.equal(same.result?.state_id, first.result?.state_id, 'the state id is that of what ran');
  } else {
    t.equal(first.job.error?.code, 'conflict', 'or the build was not kept');
  }
  const old = await prepareContent(t, OLD);
  t.equal(old.job.status, 'succeeded');
  t.equal(await valueIn(old.result?.dsn as string), md5Of(OLD), 'the old content gets old data');
  const fresh = await prepareContent(t, NEW);
  t.equal(await valueIn(fresh.result?.dsn as string), md5Of(NEW), 'the new content, new data');

  async function prepareContent(t: Test, content: Buffer) {
    const other = join(await tempDir(t), 'copy.sql');
    await writeFile(other, content);
    return prepare(e, { psql_args: ['-f', other] });
  }
});

/** Rewrites the file in place once its access time moves (the engine began reading it). */
async function rewriteOnFirstRead(path: string, content: Buffer): Promise<void> {
  const before = (await stat(path, { bigint: true })).atimeNs;
  while ((await stat(path, { bigint: true })).atimeNs === before)
    await new Promise((r) => setImmediate(r));
  const f = await open(path, 'r+');
  try {
    await f.write(content, 0, content.length, 0);
  } finally {
    await f.close();
  }
}

async function valueIn(dsn: string): Promise<string> {
  const rows = await query<{ v: string }>(dsn, 'SELECT v FROM kept');
  return rows[0]?.v as string;
}

function md5Of(content: Buffer): string {
  const text = content.toString('latin1');
  const body = text.slice(text.indexOf('$$') + 2, text.lastIndexOf('$$'));
  return createHash('md5').update(body).digest('hex');
}
