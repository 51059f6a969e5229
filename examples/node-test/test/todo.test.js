import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { freshDatabase } from 'sqlrs/testing';
import { OPTIONS, SPEC } from '../database.js';

/** Runs one query on a connection of its own. */
async function query(dsn, sql, params = []) {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

test('a test starts from the seed rows and adds its own', async (t) => {
  const db = await freshDatabase(t, SPEC, OPTIONS);
  console.log(`database ready: ${db.instanceId}`);
  assert.equal((await query(db.dsn, 'select count(*)::int as n from todo'))[0].n, 3);
  await query(db.dsn, 'insert into todo (title) values ($1), ($2)', ['first', 'second']);
  assert.equal((await query(db.dsn, 'select count(*)::int as n from todo'))[0].n, 5);
});

test('the next test sees none of them', async (t) => {
  const db = await freshDatabase(t, SPEC, OPTIONS);
  const titles = (await query(db.dsn, 'select title from todo order by id')).map((r) => r.title);
  assert.deepEqual(titles, ['write the schema', 'seed some rows', 'test against a fresh copy']);
  await query(db.dsn, 'delete from todo');
  assert.equal((await query(db.dsn, 'select count(*)::int as n from todo'))[0].n, 0);
});

test('two databases in one test are two copies', async (t) => {
  const [a, b] = await Promise.all([
    freshDatabase(t, SPEC, OPTIONS),
    freshDatabase(t, SPEC, OPTIONS),
  ]);
  assert.notEqual(a.instanceId, b.instanceId);
  await query(a.dsn, "update todo set done = true where title = 'test against a fresh copy'");
  assert.equal((await query(a.dsn, 'select count(*)::int as n from todo where done'))[0].n, 3);
  assert.equal((await query(b.dsn, 'select count(*)::int as n from todo where done'))[0].n, 2);
});
