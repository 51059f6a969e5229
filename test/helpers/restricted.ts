import type { TestEngine } from './engine.js';
import { prepare } from './prepare.js';

/** build_role restricted, set explicitly (an engine on loopback defaults to admin). */
export const RESTRICTED = { build_role: 'restricted' };

/** A prepare that must succeed: its result and its database's name. */
export async function ready(e: TestEngine, sql: string) {
  const p = await prepare(e, { psql_args: ['-c', sql] });
  if (!p.result) throw new Error(`prepare failed: ${JSON.stringify(p.job.error)}`);
  return { ...p.result, db: new URL(p.result.dsn).pathname.slice(1) };
}

/** The DSN with another database in its path: the same credentials, elsewhere. */
export function elsewhere(dsn: string, db: string): string {
  const u = new URL(dsn);
  u.pathname = `/${db}`;
  return u.toString();
}
