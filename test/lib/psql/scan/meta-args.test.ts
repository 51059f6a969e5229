import t from 'tap';
import { splitMetaArgs } from '../../../../lib/psql/scan/meta-args.js';

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
