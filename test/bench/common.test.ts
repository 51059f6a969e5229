import t from 'tap';
import { request } from 'undici';
import { ENGINE_BIN, instanceDbOf, ratioText, startEngine, stateDbOf } from '../../bench/common.js';

t.test('two decimals, unless they would round a ratio onto its target', async (t) => {
  t.equal(ratioText(0.27, 0.3), '0.27');
  t.equal(ratioText(1.09, 1.2), '1.09');
  t.equal(ratioText(0.3029, 0.3), '0.303', 'a miss is not shown as the target');
  t.equal(ratioText(0.2951, 0.3), '0.295', 'nor is a hit just under it');
  t.equal(ratioText(0.797, 0.8), '0.797');
  t.equal(ratioText(0.3, 0.3), '0.30', 'exactly the target');
});

t.test('databases named by a prepare result', async (t) => {
  const r = {
    dsn: 'postgres://postgres@127.0.0.1:5432/sqlrs_0a1b2c3d_i_00ff',
    instance_id: '00ff',
    state_id: `${'ab'.repeat(20)}${'cd'.repeat(12)}`,
  };
  t.equal(instanceDbOf(r), 'sqlrs_0a1b2c3d_i_00ff');
  t.equal(stateDbOf(r), `sqlrs_0a1b2c3d_s_${'ab'.repeat(20)}`, "the catalog's, first 40 hex");
});

t.test('an engine started from a given build answers', async (t) => {
  const e = await startEngine({}, ENGINE_BIN);
  t.teardown(() => e.stop());
  const res = await request(`http://${e.endpoint}/v1/health`);
  t.equal(res.statusCode, 200);
  await res.body.dump();
});

t.test('a build without an engine is reported, not waited on forever', async (t) => {
  await t.rejects(
    startEngine({}, '/nonexistent/bin/sqlrs-engine.js'),
    /exited \(1\) before it started/,
  );
});
