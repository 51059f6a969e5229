import t, { type Test } from 'tap';
import { listInstances } from '../../../../handlers/instances-list.js';
import type { InstancesQuery } from '../../../../lib/schema-types.js';
import { openSqljsStore } from '../../../../lib/store/sqljs/index.js';
import type { InstanceRow } from '../../../../lib/store/types.js';
import { ListCache } from '../../../../runtime/edge/listing/list-cache.js';
import { NDJSON } from '../../../../runtime/edge/listing/stream.js';
import type { Deps, HandlerResponse } from '../../../../runtime/edge/types.js';
import { instanceRow, nameRow, stateRow } from '../../../helpers/rows.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * Kept instance listings (handlers/instances-list.ts through the list cache) against the
 * catalog rendered afresh, after random writes and moves of the clock, with filters, in both
 * formats: the bytes must be the same every time.
 */

async function text(r: HandlerResponse): Promise<string> {
  if (r.chunks) return Buffer.concat(r.chunks).toString();
  let out = '';
  for await (const c of r.stream ?? [])
    out += typeof c === 'string' ? c : Buffer.from(c).toString();
  return out;
}

/** A small deterministic generator, so a failure can be run again. */
function random(seed: number) {
  let x = seed;
  const next = () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: T[]) => a[Math.floor(next() * a.length)] as T,
  };
}

const START = Date.UTC(2027, 0, 1);

async function setup(t: Test, cacheBytes?: number) {
  let now = START;
  const clock = () => new Date(now);
  const store = await openSqljsStore({ dir: await tempDir(t), now: clock });
  t.teardown(() => store.close());
  const cache = new ListCache(cacheBytes);
  store.onCommit(() => cache.changed());
  const deps = { store, clock, listCache: cache } as unknown as Deps;
  const fresh = { store, clock } as unknown as Deps;
  const get = (d: Deps, query: InstancesQuery, accept?: string) =>
    listInstances({ query, headers: { accept } } as never, d);
  return {
    store,
    cache,
    move: (ms: number) => {
      now += ms;
    },
    at: (ms: number) => new Date(now + ms).toISOString(),
    kept: async (q: InstancesQuery, accept?: string) => get(deps, q, accept),
    fresh: async (q: InstancesQuery, accept?: string) => text(await get(fresh, q, accept)),
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

/** One random change: an instance made, being made, named, renewed, touched, dropped. */
function randomWrite(
  s: Setup,
  rnd: ReturnType<typeof random>,
  live: InstanceRow[],
  states: string[],
) {
  const op = rnd.int(8);
  const expiry = () => (rnd.int(3) === 0 ? null : s.at(rnd.int(120_000) - 30_000));
  s.store.commit((w) => {
    if (op <= 1 || live.length === 0) {
      const inst = instanceRow(rnd.pick(states), {
        image_id: rnd.pick(['postgres:15', 'postgres:16']),
        expires_at: expiry(),
      });
      w.insertInstance(inst);
      live.push(inst);
      if (op === 1)
        w.addPending({
          op_id: `op-${inst.instance_id}`,
          kind: 'instance_create',
          image_id: inst.image_id,
          db_name: inst.db_name,
          target_id: inst.instance_id,
          job_id: null,
          created_at: s.at(0),
        });
      return;
    }
    const inst = rnd.pick(live);
    if (op === 2)
      w.removePending(`op-${inst.instance_id}`); // made: it shows (or nothing)
    else if (op === 3) w.putName(nameRow(`n-${rnd.int(40)}`, inst));
    else if (op === 4) w.renewInstance(inst.instance_id, expiry() ?? s.at(60_000), s.at(0));
    else if (op === 5) w.touchInstances([inst.instance_id], s.at(0));
    else if (op === 6) w.deleteName(`n-${rnd.int(40)}`);
    else {
      w.deleteInstance(inst.instance_id);
      w.removePending(`op-${inst.instance_id}`);
      live.splice(live.indexOf(inst), 1);
    }
  });
}

async function seed(s: Setup, n: number, rnd: ReturnType<typeof random>) {
  const states = [stateRow(), stateRow(), stateRow()];
  const live: InstanceRow[] = [];
  const ids = states.map((st) => st.state_id);
  // Most rows at once, more than a kept listing's chunk; then random changes.
  await s.store.write((w) => {
    for (const st of states) w.insertState(st);
    for (let i = 0; i < n; i++) {
      const expires = rnd.int(3) === 0 ? null : s.at(rnd.int(120_000) - 30_000);
      const inst = instanceRow(rnd.pick(ids), { expires_at: expires });
      w.insertInstance(inst);
      live.push(inst);
    }
  });
  for (let i = 0; i < n; i++) randomWrite(s, rnd, live, ids);
  await s.store.flush();
  return { live, states: ids };
}

const QUERIES = (states: string[]): InstancesQuery[] => [
  {},
  { id_prefix: 'a' } as InstancesQuery,
  { state: (states[0] as string).slice(0, 8) } as InstancesQuery,
  { image: 'postgres:16' } as InstancesQuery,
];

async function compareAll(t: Test, s: Setup, states: string[], what: string) {
  for (const q of QUERIES(states))
    for (const accept of [NDJSON, undefined]) {
      const res = await s.kept(q, accept);
      const body = await text(res);
      t.equal(body, await s.fresh(q, accept), `${what}: ${JSON.stringify(q)} ${accept ?? 'json'}`);
    }
}

t.test(
  'kept instance listings are what a fresh render gives after writes and clock moves',
  async (t) => {
    const rnd = random(7);
    const s = await setup(t);
    const { live, states } = await seed(s, 700, rnd);
    await compareAll(t, s, states, 'first');
    for (let round = 0; round < 12; round++) {
      const writes = rnd.int(6);
      for (let i = 0; i < writes; i++) randomWrite(s, rnd, live, states);
      // Ahead mostly, now and then back (a clock set back turns rows back from expired).
      s.move(rnd.int(5) === 0 ? -rnd.int(20_000) : rnd.int(25_000));
      if (rnd.int(2) === 0) await new Promise((r) => setImmediate(r)); // the commit's patch
      await compareAll(t, s, states, `round ${round}`);
    }
    t.ok(s.cache.get('instances{}'), 'the unfiltered listing is kept');
  },
);

t.test(
  'a listing is sent from its kept bytes and patched, not rendered, after a few changes',
  async (t) => {
    const rnd = random(11);
    const s = await setup(t);
    const { live, states } = await seed(s, 600, rnd);
    const first = await s.kept({}, NDJSON);
    t.ok(first.stream, 'rendered the first time');
    await text(first);
    const kept = s.cache.get('instances{}');
    t.ok(kept?.complete, 'kept whole');
    randomWrite(s, rnd, live, states);
    s.move(10_000); // some expiries pass
    const res = await s.kept({}, NDJSON);
    t.ok(res.chunks, 'patched: sent as kept bytes');
    t.equal(s.cache.get('instances{}'), kept, 'the same listing');
    t.equal(await text(res), await s.fresh({}, NDJSON));
    const json = await s.kept({});
    t.equal(await text(json), await s.fresh({}), 'json too');
  },
);

t.test('past the expiries it can patch, a listing is rendered again', async (t) => {
  const s = await setup(t);
  const state = stateRow();
  await s.store.write((w) => {
    w.insertState(state);
    for (let i = 0; i < 300; i++)
      w.insertInstance(instanceRow(state.state_id, { expires_at: s.at(1000 + i) }));
  });
  await text(await s.kept({}));
  const kept = s.cache.get('instances{}');
  s.move(100); // none expired yet
  t.ok((await s.kept({})).chunks, 'nothing due: kept bytes');
  s.move(2000); // all 300 expire: more than a patch renders
  const res = await s.kept({});
  t.ok(res.stream, 'rendered');
  t.equal(await text(res), await s.fresh({}));
  t.not(s.cache.get('instances{}'), kept, 'and kept anew');
  t.match(JSON.parse(await s.fresh({}))[0], { status: 'expired' });
});

t.test('a listing kept in part: the kept rows patched, the rest rendered', async (t) => {
  const rnd = random(3);
  const s = await setup(t, 100_000);
  const { live, states } = await seed(s, 700, rnd);
  await text(await s.kept({}, NDJSON));
  const part = s.cache.get('instances{}');
  t.ok(part && !part.complete && part.rows > 0, 'kept in part');
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 3; i++) randomWrite(s, rnd, live, states);
    s.move(rnd.int(20_000));
    await compareAll(t, s, states, `in part, round ${round}`);
  }
});
