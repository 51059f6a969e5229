import t from 'tap';
import { CatalogClock } from '../../../lib/kernel/catalog-clock.js';
import { stallingClock } from '../../helpers/stalling-clock.js';

t.test('the offset is the middle of the round trip, known to half of it', async (t) => {
  const f = stallingClock(5000);
  const c = new CatalogClock(f.store, f.local, 250);
  f.stallMs = 200;
  t.equal(await c.sync(), true);
  // The server read at the round trip's end: the middle is 100 ms off, within the bound.
  t.equal(c.offset(), 5100);
  t.equal(c.uncertainty(), 100);
  t.ok(c.earliest() <= f.server() && f.server() <= c.latest(), 'the bounds hold the truth');
});

t.test('a slow round trip does not move the offset', async (t) => {
  const f = stallingClock(5000);
  const c = new CatalogClock(f.store, f.local, 250);
  t.equal(await c.sync(), true);
  t.equal(c.offset(), 5000);
  f.stallMs = 3000;
  t.equal(await c.sync(), false, 'the slow sync is ignored');
  t.equal(c.offset(), 5000, 'the offset measured before is kept');
  t.equal(c.uncertainty(), 0);
  t.equal(c.now().getTime(), f.server(), 'now is the server time');
});

t.test('a first sync, or a better one, is kept however slow', async (t) => {
  const f = stallingClock(-2000);
  const c = new CatalogClock(f.store, f.local, 250);
  f.stallMs = 3000;
  t.equal(await c.sync(), true, 'the first is all there is');
  t.equal(c.uncertainty(), 1500);
  t.ok(c.earliest() <= f.server() && f.server() <= c.latest(), 'the bounds hold the truth');
  f.stallMs = 1000;
  t.equal(await c.sync(), true, 'a smaller uncertainty replaces a larger');
  t.equal(c.uncertainty(), 500);
  t.ok(c.earliest() <= f.server() && f.server() <= c.latest(), 'the bounds hold the truth');
});

t.test('without a server it is the engine clock', async (t) => {
  const f = stallingClock(0);
  const c = new CatalogClock({}, f.local);
  t.equal(await c.sync(), true);
  t.equal(c.now().getTime(), f.local().getTime());
  t.equal(c.earliest(), c.latest());
});
