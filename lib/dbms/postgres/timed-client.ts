import pg from 'pg';

/**
 * How long connecting to a server (TCP, start-up, login) may take. node-postgres waits for ever
 * by default: a server that accepts and never answers (overloaded, a wrong service on the port,
 * a firewall) held every prepare at `plan running` with no end. psql gets the same bound
 * (PGCONNECT_TIMEOUT, lib/prepare/kinds/psql/step.ts).
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A client whose connecting is bounded. Given to the pool as its `Client`, not as the pool's
 * own `connectionTimeoutMillis`, which would also fail requests that only wait for a free
 * connection while long clones hold all of them.
 */
export class TimedClient extends pg.Client {
  constructor(config: pg.ClientConfig = {}) {
    super({ ...config, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  }
}
