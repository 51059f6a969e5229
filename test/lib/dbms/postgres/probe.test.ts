import pg from 'pg';
import t from 'tap';
import { Probe } from '../../../../lib/dbms/postgres/probe.js';
import { randomHex } from '../../../../lib/id.js';
import { ADMIN_URL, query, sessionPids } from '../../../helpers/postgres.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A probe whose connections carry a name of their own, and their server pids. */
function setup(url = ADMIN_URL) {
  const name = `sqlrs-probe-test-${randomHex(4)}`;
  let opened = 0;
  const probe = new Probe(async () => {
    opened++;
    const c = new pg.Client({ connectionString: url, application_name: name });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  });
  return { probe, pids: () => sessionPids(name), opened: () => opened };
}

async function ready(probe: Probe): Promise<pg.Client> {
  for (let i = 0; i < 200; i++) {
    const c = probe.client();
    if (c) return c;
    await sleep(10);
  }
  throw new Error('the probe never opened');
}

t.test('opens on first use, in the background, and is then kept', async (t) => {
  const { probe, pids, opened } = setup();
  t.teardown(() => probe.close());
  t.equal(probe.client(), undefined, 'nothing yet: the caller uses the pool');
  const c = await ready(probe);
  t.same((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  t.equal(probe.client(), c, 'the same connection next time');
  t.equal(opened(), 1);
  t.equal((await pids()).length, 1);
});

t.test('a connection the server ends is replaced on a later call', async (t) => {
  const { probe, pids } = setup();
  t.teardown(() => probe.close());
  const first = await ready(probe);
  const [pid] = await pids();
  await query(ADMIN_URL, 'SELECT pg_terminate_backend($1)', [pid]);
  for (let i = 0; i < 100 && probe.client() === first; i++) await sleep(10);
  t.not(probe.client(), first, 'the lost connection is not handed out');
  const second = await ready(probe);
  t.same((await second.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
  t.notSame(await pids(), [pid], 'a new session');
});

t.test(
  'a server that cannot be reached leaves the caller on the pool, and is tried again',
  async (t) => {
    const { probe, opened } = setup('postgres://postgres@127.0.0.1:1/postgres');
    t.teardown(() => probe.close());
    t.equal(probe.client(), undefined);
    await sleep(100);
    t.equal(probe.client(), undefined, 'still nothing, and no unhandled rejection');
    await sleep(100);
    t.ok(opened() >= 2, 'each call after a failure tries again');
  },
);

t.test('close ends the connection, and nothing opens after it', async (t) => {
  const { probe, pids, opened } = setup();
  await ready(probe);
  await probe.close();
  t.same(await pids(), []);
  t.equal(probe.client(), undefined);
  await sleep(50);
  t.equal(opened(), 1);
});

t.test('close while opening does not leave a connection behind', async (t) => {
  const { probe, pids } = setup();
  probe.client();
  await probe.close();
  t.same(await pids(), []);
});
