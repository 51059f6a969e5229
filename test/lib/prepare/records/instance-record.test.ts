import t, { type Test } from 'tap';
import { imageTarget } from '../../../../lib/config.js';
import { sqlrsError } from '../../../../lib/errors.js';
import { newInstanceId } from '../../../../lib/id.js';
import { renameCopy } from '../../../../lib/prepare/records/instance-record.js';
import { type TestEngine, testEngine } from '../../../helpers/engine.js';
import { ADMIN_URL, catalogDatabases, holdClient, query } from '../../../helpers/postgres.js';
import { contextOf, replaceServerMethod } from '../../../helpers/prepare.js';

/** A copy on the server, and a name to rename it to. */
async function copy(e: TestEngine) {
  const ctx = contextOf(e);
  const [from, to] = [newInstanceId(), newInstanceId()].map((id) => ctx.names.instance(id));
  await query(ADMIN_URL, `CREATE DATABASE "${from}"`);
  return {
    ctx,
    server: ctx.servers(imageTarget(ctx.config, 'postgres')),
    from: from as string,
    to: to as string,
  };
}

/** A session on the database: PostgreSQL will not rename it while it has one. */
async function holdOpen(t: Test, db: string) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  await holdClient(t, url.toString()); // terminated by the forced drop
}

// The dropped case (rename refused, copy dropped): test/lib/prepare/records/recorded-work.test.ts.
t.test(
  'renameCopy: renamed, or left for reconciliation when it can be neither renamed nor dropped',
  async (t) => {
    const e = await testEngine(t);
    const a = await copy(e);
    t.equal(await renameCopy(a.ctx, a.server, a.from, a.to), 'renamed');
    t.ok((await catalogDatabases(e.store.catalogId)).includes(a.to));

    const c = await copy(e);
    await holdOpen(t, c.from);
    replaceServerMethod(t, e, 'drop', () => async () => {
      throw sqlrsError('unavailable', 'database server unavailable');
    });
    // A failed drop is not counted as dropped, or the caller clears the copy's drop record.
    t.equal(await renameCopy(c.ctx, c.server, c.from, c.to), 'left');
    t.ok((await catalogDatabases(e.store.catalogId)).includes(c.from), 'the copy is still there');
  },
);
