// What the MySQL benches share: the server they use and the clean-up of what their engines made.
import mysql from 'mysql2/promise';

export const MYSQL_URL = process.env.SQLRS_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306/';

/**
 * Drops every schema and account of the catalogs whose databases are in `made` (names start
 * with `sqlrs_<catalog id>`, 15 characters, lib/dbms/names.ts), on a connection of its own.
 */
export async function dropMysqlCatalogs(made: string[]): Promise<void> {
  const c = await mysql.createConnection({ uri: MYSQL_URL });
  try {
    const prefixes = new Set(made.filter((d) => d.startsWith('sqlrs_')).map((d) => d.slice(0, 15)));
    for (const prefix of prefixes) {
      const [schemas] = await c.query(
        'SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, 15) = ?',
        [prefix],
      );
      for (const { n } of schemas as Array<{ n: string }>) await c.query(`DROP DATABASE \`${n}\``);
      const [users] = await c.query(
        "SELECT User AS u FROM mysql.user WHERE Host = '%' AND LEFT(User, 15) = ?",
        [prefix],
      );
      for (const { u } of users as Array<{ u: string }>) await c.query(`DROP USER '${u}'@'%'`);
    }
  } finally {
    await c.end();
  }
}
