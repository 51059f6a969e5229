import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { expandSql } from './dist/lib/psql/expand.js';
let seed = Number(process.argv[2] ?? 1);
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
const PIECES = ["'", "'", '"', '$$', '$a$', "E'", '--', '/*', '*/', '\\\\', "\\'", '\\', '1', 'a', ' ', '\n', '\n', '\r', ';', ':x', 'select ', "''", 'e', '\\.\n', 'あ', 'copy t from stdin;\n', '\\echo ', '\\set x ', '\\if true\n', '\\endif\n', '`', '\\\\.', "set client_encoding='BIG5';\n", "set client_encoding='SJIS';\n", "set client_encoding='GB18030';\n", "set client_encoding='UTF8';\n", 'く', 'ｱ', 'あ1', 'set standard_conforming_strings=off;\n', '-- c\r', 'x\0'];
const dir = '/tmp/fuzz';
let found = 0;
const runs = Number(process.argv[3] ?? 200);
for (let n = 0; n < runs; n++) {
  const marker = `${dir}/m${n}`;
  let s = "create temp table t(a text);\n";
  const len = 3 + rnd(14);
  for (let k = 0; k < len; k++) s += PIECES[rnd(PIECES.length)];
  s += ` \\! touch ${marker}\n`;
  for (let k = 0; k < rnd(3); k++) { let t = ''; for (let j = 0; j < 4; j++) t += PIECES[rnd(PIECES.length)]; s += t + `\\! touch ${marker}\n`; }
  const text = Buffer.from(s, 'utf8').toString('latin1');
  let accepted = true;
  try { expandSql(text, { label: 'f', dir }, dir); } catch { accepted = false; }
  if (!accepted) continue;
  globalThis.acc = (globalThis.acc ?? 0) + 1;
  const file = `${dir}/s${n}.sql`;
  writeFileSync(file, s);
  try { execFileSync('psql', ['-X', '-q', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-f', file], { stdio: 'ignore', timeout: 5000 }); } catch {}
  if (existsSync(marker)) { found++; console.log('HOLE', n, JSON.stringify(s)); rmSync(marker); }
}
console.log("done", found, "accepted", globalThis.acc);
