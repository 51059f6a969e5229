/** What to do about a psql that cannot be run; the engine and `sqlrs run:psql` say the same. */
export const INSTALL_PSQL = 'install the PostgreSQL client (psql), or set SQLRS_PSQL to its path';
