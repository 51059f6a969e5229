import t from 'tap';
import { EngineClient } from '../../cli/client.js';
import { execLeases } from '../../cli/lease.js';
import { findOrStartEngine } from '../../lib/client/local-engine/discovery.js';
import { cliIn, cliStateDir } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

t.test('a held lease is renewed until dropped; a failed renewal is said once', async (t) => {
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
  const leases = execLeases(client, (s) => errors.push(s));
  leases.hold(id, 3);
  // Renewed to 3 s from then: far earlier than the hour it was made with.
  await until(async () => (await expiry()) < first - 3_000_000, 'the lease renewed');
  leases.drop(id);
  t.same(errors, []);
  const bad = 'f'.repeat(32);
  leases.hold(bad, 3);
  await until(() => errors.length > 0, 'a failed renewal said');
  await leases.renewNow(bad);
  leases.drop(bad);
  t.match(errors[0], /could not renew instance f{32}: instance "f{32}" not found/);
  t.equal(errors.length, 1, 'said once');
});
