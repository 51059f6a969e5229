import t from 'tap';
import { splitStatements } from '../../../lib/mysql/splitter.js';

const stmts = (text: string) =>
  splitStatements(text).map((p) => (p.kind === 'statement' ? p.sql : p.kind));

t.test('statements end at the delimiter, never inside quotes or comments', async (t) => {
  t.same(stmts('select 1; select \'a;b\'; select "c;d"; select `e;f`'), [
    'select 1',
    "select 'a;b'",
    'select "c;d"',
    'select `e;f`',
  ]);
  t.same(stmts("select 'it''s; x'; select 'back\\'slash;'"), [
    "select 'it''s; x'",
    "select 'back\\'slash;'",
  ]);
  t.same(stmts('select 1 -- tail; comment\n; select 2 # hash; comment\n;'), [
    'select 1 -- tail; comment',
    'select 2 # hash; comment',
  ]);
  t.same(stmts('select 1 /* a; b */ + 1;'), ['select 1 /* a; b */ + 1']);
  t.same(stmts('select 1--1;'), ['select 1--1'], '-- needs a space to be a comment');
  t.same(stmts('/*!40101 SET NAMES utf8 */;\n/* only a comment */;\n-- and this\n'), [
    '/*!40101 SET NAMES utf8 */',
  ]);
  t.same(stmts('select 1'), ['select 1'], 'the last statement needs no delimiter');
});

t.test('DELIMITER changes the terminator; client commands are separate', async (t) => {
  const pieces = splitStatements(
    'DELIMITER $$\ncreate procedure p() begin select 1; select 2; end$$\ndelimiter ;\nsource /x/y.sql\n\\. z.sql\nUSE other;\nselect 3;',
  );
  t.same(pieces, [
    { kind: 'statement', sql: 'create procedure p() begin select 1; select 2; end', line: 2 },
    { kind: 'source', path: '/x/y.sql', line: 4 },
    { kind: 'source', path: 'z.sql', line: 5 },
    { kind: 'use', line: 6 },
    { kind: 'statement', sql: 'select 3', line: 7 },
  ]);
  t.same(stmts('-- lead\nDELIMITER //\nselect 1//'), ['select 1'], 'a command after a comment');
  t.same(stmts('select "use x";'), ['select "use x"'], 'USE inside a statement is not a command');
});
