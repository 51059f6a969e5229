// A suite that gets its database from its environment, for any runner:
//   sqlrs exec:psql -- -f schema.sql -f seed.sql -- node --test exec/todo.js
// (npm run test:exec). sqlrs sets DATABASE_URL and PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE;
// pg reads the PG* variables by itself. The whole run shares the one database, which sqlrs
// removes when node ends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';

const client = new pg.Client();
before(() => client.connect());
after(() => client.end());

test('the database is the one DATABASE_URL names', async () => {
  const { rows } = await client.query('select current_database() as name');
  assert.equal(rows[0].name, new URL(process.env.DATABASE_URL).pathname.slice(1));
  console.log(`exec database: ${rows[0].name}`);
});

test('it starts from the seed rows', async () => {
  const { rows } = await client.query('select count(*)::int as n from todo');
  assert.equal(rows[0].n, 3);
});

test('the next test sees what the one before wrote', async () => {
  await client.query("insert into todo (title) values ('run the suite')");
  const { rows } = await client.query('select count(*)::int as n from todo');
  assert.equal(rows[0].n, 4);
});
