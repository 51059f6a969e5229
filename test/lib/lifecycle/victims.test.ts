import t from 'tap';
import { Victims } from '../../../lib/lifecycle/victims.js';
import type { PooledRow, StateHoldRow } from '../../../lib/store/types.js';

const row = (id: string, o: Partial<StateHoldRow> = {}): StateHoldRow => ({
  state_id: id,
  parent_state_id: null,
  image_id: 'postgres',
  db_name: `db_${id}`,
  size_bytes: 10,
  created_at: '2026-01-01T00:00:00.000Z',
  last_used_at: null,
  instances: 0,
  children: 0,
  ...o,
});
const rules = { now: Date.parse('2026-01-02T00:00:00Z'), minAgeMs: 0, sizeOf: () => 10 };
const drain = (v: Victims, needed: (s: StateHoldRow) => boolean = () => false) => {
  const out: string[] = [];
  for (let s = v.next(needed); s; s = v.next(needed)) {
    out.push(s.state_id);
    v.gone(s);
  }
  return out;
};

t.test(
  'least recently used first; a parent follows its last child; held states stay',
  async (t) => {
    const v = new Victims(
      [
        row('p', { children: 2, last_used_at: '2026-01-01T00:00:01.000Z' }),
        row('c1', { parent_state_id: 'p', last_used_at: '2026-01-01T05:00:00.000Z' }),
        row('c2', { parent_state_id: 'p', created_at: '2026-01-01T03:00:00.000Z' }),
        row('held', { instances: 1 }),
        row('old'),
        row('recent', { last_used_at: '2026-01-01T23:59:00.000Z' }),
      ],
      { ...rules, minAgeMs: 10 * 60_000 },
    );
    t.same(drain(v), ['old', 'c2', 'c1', 'p'], 'recent and held stay; p once both children went');
  },
);

t.test('a state a job needs is skipped, and stays a candidate', async (t) => {
  const v = new Victims([row('a'), row('b', { created_at: '2026-01-01T01:00:00.000Z' })], rules);
  t.equal(v.next((s) => s.state_id === 'a')?.state_id, 'b');
  t.equal(v.next(() => false)?.state_id, 'a');
});

t.test("copies: an empty base first, then by their state's last use", async (t) => {
  const v = new Victims(
    [row('old'), row('new', { last_used_at: '2026-01-01T12:00:00.000Z' })],
    rules,
  );
  const copy = (db: string, state_id: string): PooledRow => ({
    db_name: db,
    state_id,
    image_id: 'postgres',
    created_at: '2026-01-01T00:00:00.000Z',
  });
  const order = v.copyOrder([copy('n', 'new'), copy('o', 'old'), copy('b', 'base:pg@15/1')]);
  t.same(
    order.map((c) => c.db_name),
    ['b', 'o', 'n'],
  );
});
