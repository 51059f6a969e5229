import { createHmac } from 'node:crypto';
import type pg from 'pg';

/**
 * A signed 64-bit key for pg_advisory_lock, derived from the state database name with the
 * catalog's lock secret (Store.lockSecret): advisory locks are one namespace for every session
 * of the server, so a key anyone could compute from a database name (an instance's login,
 * connected to a database that keeps PUBLIC's CONNECT) could be taken to stall that state's
 * builds. The engines of one catalog share the secret, so they agree on the keys.
 */
export function advisoryKey(name: string, secret: string): string {
  return createHmac('sha256', secret).update(`sqlrs:${name}`).digest().readBigInt64BE(0).toString();
}

const KEEP = 4;

/**
 * Session-level advisory locks, each on a connection of its own: held for a whole build, a
 * lock must not starve the DDL pool. Connections are kept for the next lock (opening one cost
 * about 8 ms per step of a cold prepare); one whose unlock fails is closed, which frees its lock.
 */
export class AdvisoryLocks {
  private readonly idle: pg.Client[] = [];
  private closed = false;

  constructor(
    private readonly connect: () => Promise<pg.Client>,
    private readonly secret: string,
  ) {}

  async lock(name: string): Promise<() => Promise<void>> {
    const key = advisoryKey(name, this.secret);
    const take = (c: pg.Client) => c.query('SELECT pg_advisory_lock($1::bigint)', [key]);
    let client = this.idle.pop();
    // A kept connection may have been closed by the server meanwhile: then take a new one.
    if (
      client &&
      !(await take(client).then(
        () => true,
        () => false,
      ))
    ) {
      await client.end().catch(() => undefined);
      client = undefined;
    }
    if (!client) {
      client = await this.connect();
      try {
        await take(client);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
    }
    const held = client;
    return async () => {
      try {
        await held.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
        if (this.closed || this.idle.length >= KEEP) await held.end();
        else this.idle.push(held);
      } catch {
        await held.end().catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((c) => c.end().catch(() => undefined)));
  }
}
