import t from 'tap';
import { dsnEnv, withVars } from '../../../lib/dbms/dsn-env.js';

t.test('PostgreSQL: PG* from the DSN, decoded; a socket directory from the query', async (t) => {
  const dsn = 'postgres://u%40x:p%2Fw@[::1]:6543/sqlrs_abcdef01_i_x';
  t.same(dsnEnv(dsn), {
    DATABASE_URL: dsn,
    PGHOST: '::1',
    PGPORT: '6543',
    PGUSER: 'u@x',
    PGPASSWORD: 'p/w',
    PGDATABASE: 'sqlrs_abcdef01_i_x',
    PGSERVICE: undefined,
    PGHOSTADDR: undefined,
  });
  t.ok('PGSERVICE' in dsnEnv(dsn) && 'PGHOSTADDR' in dsnEnv(dsn), "the caller's are removed");
  const socket = dsnEnv('postgres://postgres@localhost/db?host=%2Fvar%2Frun%2Fpostgresql');
  t.match(socket, { PGHOST: '/var/run/postgresql', PGPORT: '5432', PGPASSWORD: undefined });
});

t.test('MySQL: the mysql client variables', async (t) => {
  t.same(dsnEnv('mysql://root:secret@127.0.0.1/db1'), {
    DATABASE_URL: 'mysql://root:secret@127.0.0.1/db1',
    MYSQL_HOST: '127.0.0.1',
    MYSQL_TCP_PORT: '3306',
    MYSQL_USER: 'root',
    MYSQL_PWD: 'secret',
    MYSQL_DATABASE: 'db1',
  });
});

t.test('withVars sets and removes, leaving the base alone', async (t) => {
  const base = { PGPASSWORD: 'theirs', PATH: '/bin' };
  t.same(withVars(base, { PGPASSWORD: undefined, PGHOST: 'h' }), { PATH: '/bin', PGHOST: 'h' });
  t.equal(base.PGPASSWORD, 'theirs');
});
