/** The client variables a DSN sets (docs/cli.md, "exec"): libpq's PG* or the mysql client's. */
export const PG_VARS = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'] as const;
export const MYSQL_VARS = [
  'MYSQL_HOST',
  'MYSQL_TCP_PORT',
  'MYSQL_USER',
  'MYSQL_PWD',
  'MYSQL_DATABASE',
] as const;

/**
 * `DATABASE_URL` and the client variables of an instance's DSN (a postgres:// or mysql:// URL),
 * so that psql, mysql, libpq drivers and twelve-factor apps all reach the same database. A
 * variable the DSN has no value for (a password) is given as undefined: the caller's own value
 * would point a client at the right database with the wrong credentials; so are libpq's
 * variables that would point it at another server.
 */
export function dsnEnv(dsn: string): Record<string, string | undefined> {
  const u = new URL(dsn);
  const user = decodeURIComponent(u.username);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const database = decodeURIComponent(u.pathname.slice(1));
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (/^(mysql|mariadb):$/.test(u.protocol)) {
    return {
      DATABASE_URL: dsn,
      MYSQL_HOST: host || '127.0.0.1',
      MYSQL_TCP_PORT: u.port || '3306',
      MYSQL_USER: user,
      MYSQL_PWD: password,
      MYSQL_DATABASE: database,
    };
  }
  return {
    DATABASE_URL: dsn,
    // A socket directory travels in the query (lib/config.ts, defaultUrl).
    PGHOST: u.searchParams.get('host') ?? (host || '127.0.0.1'),
    PGPORT: u.port || u.searchParams.get('port') || '5432',
    PGUSER: user,
    PGPASSWORD: password,
    PGDATABASE: database,
    // libpq takes a service's host, port and database over the PG* variables, and connects to
    // PGHOSTADDR instead of PGHOST: either, left from the caller's shell, sends the command (and
    // the instance's password) to another server.
    PGSERVICE: undefined,
    PGHOSTADDR: undefined,
  };
}

/** `base` with `vars` applied: undefined removes a variable. */
export function withVars(
  base: NodeJS.ProcessEnv,
  vars: Record<string, string | undefined>,
): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}
