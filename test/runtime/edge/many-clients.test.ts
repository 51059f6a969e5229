import t from 'tap';
import { deadDsns, runClients } from '../../helpers/clients.js';
import { testEngine } from '../../helpers/engine.js';

// Sixteen clients on one engine for about 20 s, half polling every 250 ms and half following
// events, on a mix of identical, shared and distinct scripts, with the warm pool on (its
// copies are handed out, evicted and refilled all along): every client that got a 202 learns
// its job's outcome, and every DSN handed out connects (docs/prepare.md, "Jobs";
// docs/performance.md, "Warm pool").

const body = (client: number, n: number) => {
  if (n % 8 === 7) return { psql_args: ['-c', `create table u_${client}_${n}(y int)`] };
  if (n % 2 === 0) return { psql_args: ['-c', 'create table t(x int)'] };
  return { psql_args: ['-c', `create table s${(client + n) % 6}(y int)`] };
};

t.test('16 clients for 20 s: every job is learned, every DSN connects', async (t) => {
  const e = await testEngine(t, { config: { warm_pool: { per_state: 2, max_total: 8 } } });
  const learned = await runClients(e, { clients: 16, durationMs: 20_000, body });
  const accepted = learned.filter((l) => l.submitted === 202);
  const lost = accepted.filter((l) => l.outcome === 'lost');
  const failed = accepted.filter((l) => l.outcome === 'failed');
  t.comment(
    `${learned.length} submitted, ${accepted.length} accepted, ${failed.length} failed, ` +
      `${lost.length} lost, ${accepted.filter((l) => l.dsn).length} DSNs`,
  );
  t.ok(accepted.length >= 16, 'every client had jobs accepted');
  t.same(
    lost.map((l) => `${l.mode} ${l.jobId}: ${l.lostBecause}`),
    [],
    'no client lost its job',
  );
  t.same(
    failed.map((l) => `${l.jobId}: ${l.error?.code} ${l.error?.message}`),
    [],
    'no job failed',
  );
  t.same(await deadDsns(accepted), [], 'every DSN handed out connects');
});
