import t from 'tap';
import { scanMetaCommands, splitMetaArgs } from '../../../lib/psql/scanner.js';

const names = (text: string) => scanMetaCommands(text).map((c) => `${c.line}:${c.name}`);

t.test('finds meta-commands with their lines and arguments', async (t) => {
  const text = 'select 1;\n\\i file.sql\nselect 2 \\gset\n\\echo hi \\\\ \\o x\n';
  t.same(names(text), ['2:i', '3:gset', '4:echo', '4:o']);
  const [inc] = scanMetaCommands(text);
  t.equal(inc?.args, ' file.sql');
  t.equal(text.slice(inc?.start, inc?.end), '\\i file.sql');
  t.same(names('\\!ls'), ['1:!']);
  t.same(names('\\include_relative x'), ['1:include_relative']);
  t.same(names('trailing backslash \\'), []);
});

t.test('not meta-commands inside literals, dollar quotes and comments', async (t) => {
  t.same(names("select '\\c x';"), []);
  t.same(names("select 'it''s \\o';"), []);
  t.same(names("select E'\\' \\o';"), [], "E'' escapes the quote");
  t.same(names("select e'\\\\'; \\o x"), ['1:o'], 'escaped backslash ends the E string');
  t.same(names("select x'00' \\g"), ['1:g']);
  t.same(names('select "a\\o";'), []);
  t.same(names('select "a""\\o";'), []);
  t.same(names('do $$ \\c $$;'), []);
  t.same(names('do $fn$ select $$ \\c $$ $fn$; \\o'), ['1:o']);
  t.same(names('select a$1 \\g'), ['1:g'], '$ inside an identifier is no quote');
  t.same(names('-- \\c x\n\\o y'), ['2:o']);
  t.same(names('/* \\c /* nested \\o */ still \\w */ \\g'), ['1:g']);
  t.same(names("select 'unterminated \\c"), []);
  t.same(names('/* unterminated \\c'), []);
  t.same(names('$tag$ unterminated \\c'), []);
  t.same(names("select 'a\nb' \n\\o"), ['3:o'], 'lines counted inside literals');
});

t.test('meta-command argument splitting', async (t) => {
  t.same(splitMetaArgs(" a.sql  'b c.sql' 'it''s' 'x\\'y'"), [
    { value: 'a.sql', dynamic: false },
    { value: 'b c.sql', dynamic: false },
    { value: "it's", dynamic: false },
    { value: "x'y", dynamic: false },
  ]);
  t.same(splitMetaArgs(':dir/x.sql')[0]?.dynamic, true);
  t.same(splitMetaArgs(":'file'")[0]?.dynamic, true);
  t.same(splitMetaArgs('`ls`')[0]?.dynamic, true);
  t.same(splitMetaArgs('a:b')[0]?.dynamic, true);
  t.same(splitMetaArgs('c:/x')[0]?.dynamic, false);
  t.same(splitMetaArgs('   '), []);
});
