import type { Test } from 'tap';
import { ADMIN_URL, query, uniqueName } from './postgres.js';

/**
 * A psql step that runs until the test opens its gate: it polls for a role of its own name, and
 * roles are visible from every database of the server. A job held by it outlasts any wait the
 * test gives, however slow the machine, without the test timing anything.
 */
export function gate(t: Test): { sql: string; open: () => Promise<void> } {
  const role = uniqueName('sqlrs_gate');
  t.teardown(() => query(ADMIN_URL, `drop role if exists ${role}`).then(() => undefined));
  return {
    sql: `do $$ begin while not exists (select 1 from pg_roles where rolname = '${role}') loop perform pg_sleep(0.05); end loop; end $$`,
    open: () => query(ADMIN_URL, `create role ${role}`).then(() => undefined),
  };
}
