import t from 'tap';
import { testEngine } from '../../../helpers/engine.js';
import { catalogDatabases } from '../../../helpers/postgres.js';
import {
  answersLate,
  prepare,
  replaceExisting,
  unfinishedRecords,
} from '../../../helpers/prepare.js';
import { unsavable } from '../../../helpers/unsavable.js';

t.test('an unsaved catalog fails the job with its reason; the engine lives on', async (t) => {
  const e = await testEngine(t);
  // The plan's question comes back after the job's first write failed to save: that failure
  // waited unhandled meanwhile, and ended the engine (a full disk took the engine down).
  const restore = replaceExisting(t, e, answersLate(200));
  const disk = unsavable(t, e.stateDir);
  await disk.break();
  const failed = await prepare(e, { psql_args: ['-c', 'create table unsaved_t(x int)'] });
  t.match(failed.events.at(-1), {
    type: 'error',
    error: {
      code: 'unavailable',
      message: /^cannot save the catalog .*state\.db: a directory is in the way$/,
    },
  });
  t.equal((await e.get('/v1/health')).status, 200, 'the engine lives on');
  t.same(await catalogDatabases(e.store.catalogId), [], 'the job made no database');

  t.same(unfinishedRecords(e), [], 'and left no record in memory');
  t.same(e.store.listInstances({}, { limit: 10 }), []);

  restore();
  await disk.repair();
  const done = await prepare(e, { psql_args: ['-c', 'create table unsaved_t(x int)'] });
  t.ok(done.result, 'the same prepare works once the catalog can be saved');
});
