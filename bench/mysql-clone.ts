// Clone cost of a MySQL/MariaDB state, against a baseline measured in the same run: copying
// the same table by hand (CREATE TABLE ... LIKE + INSERT ... SELECT). Prints one row per size.
// Run: npm run build && node dist/bench/mysql-clone.js [rows ...]
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { MysqlServer } from '../lib/dbms/mysql/server.js';
import { randomHex } from '../lib/id.js';

const URL = process.env.SQLRS_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306/';
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const ROWS = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];
const REPEATS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  // In the mysql schema: MariaDB's sequence tables (seq_1_to_N) need a current database.
  const admin = await mysql.createConnection({ uri: URL, database: 'mysql' });
  const server = new MysqlServer(URL);
  const catalog = randomHex(4);
  const name = (k: string) => `sqlrs_${catalog}_${k}_${randomHex(16)}`;
  const made: string[] = [];
  console.log('rows      schema clone (ms)  baseline copy (ms)  ratio');
  try {
    for (const rows of ROWS) {
      const src = name('s');
      made.push(src);
      await admin.query(`CREATE DATABASE \`${src}\``);
      await admin.query(
        `CREATE TABLE \`${src}\`.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(64), n INT, KEY(n))`,
      );
      await admin.query(`CREATE VIEW \`${src}\`.tv AS SELECT id, v FROM \`${src}\`.t`);
      await admin.query(
        `INSERT INTO \`${src}\`.t (v, n) SELECT MD5(seq), seq % 97 FROM seq_1_to_${rows}`,
      );
      const clone: number[] = [];
      const base: number[] = [];
      for (let r = 0; r < REPEATS; r++) {
        const dst = name('i');
        made.push(dst);
        let t0 = performance.now();
        await server.cloneInstance(src, dst, null);
        clone.push(performance.now() - t0);
        const raw = name('i');
        made.push(raw);
        t0 = performance.now();
        await admin.query(`CREATE DATABASE \`${raw}\``);
        await admin.query(`CREATE TABLE \`${raw}\`.t LIKE \`${src}\`.t`);
        await admin.query(`INSERT INTO \`${raw}\`.t SELECT * FROM \`${src}\`.t`);
        base.push(performance.now() - t0);
      }
      const c = median(clone);
      const b = median(base);
      console.log(
        `${String(rows).padEnd(9)} ${c.toFixed(1).padStart(17)} ${b.toFixed(1).padStart(19)}  ${(c / b).toFixed(2)}x`,
      );
    }
  } finally {
    for (const db of made) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
    await admin.end();
    await server.close();
  }
}

await main();
