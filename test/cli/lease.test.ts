import t from 'tap';
import { EngineClient } from '../../cli/client.js';
import { holdLease } from '../../cli/lease.js';
import { findOrStartEngine } from '../../lib/client/local-engine/discovery.js';
import { cliIn, cliStateDir } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

t.test('a held lease is renewed until released', async (t) => {
  const dir = await cliStateDir(t);
  const cli = cliIn(dir);
  const made = await cli(['prepare:psql', '--ttl', '1h', '--output', 'json', '-c', 'select 1']);
  t.equal(made.code, 0, made.stderr);
  const id = JSON.parse(made.stdout).instance_id as string;
  const client = new EngineClient(await findOrStartEngine(dir));
  const expiry = async () =>
    Date.parse((await client.call('GET', `/v1/instances/${id}`)).body.expires_at);
  const first = await expiry();
  const errors: string[] = [];
  const { release } = holdLease(client, id, 3, (s) => errors.push(s));
  // Renewed to 3 s from then: far earlier than the hour it was made with.
  await until(async () => (await expiry()) < first - 3_000_000, 'the lease renewed');
  release();
  t.same(errors, []);
  const bad = holdLease(client, 'f'.repeat(32), 3, (s) => errors.push(s));
  await until(() => errors.length > 0, 'a failed renewal said');
  bad.release();
  t.match(errors[0], /could not renew instance f{32}: instance "f{32}" not found/);
  t.equal(errors.length, 1, 'said once');
});
