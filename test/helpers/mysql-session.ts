import mysql from 'mysql2/promise';
import type { Test } from 'tap';
import { MYSQL_URL } from './pg.js';

/** A client session held open on a schema, closed at test end. */
export async function holdMysqlSession(t: Test, database: string): Promise<mysql.Connection> {
  const conn = await mysql.createConnection({ uri: MYSQL_URL, database });
  conn.on('error', () => undefined);
  t.teardown(() => conn.end().catch(() => undefined));
  return conn;
}
