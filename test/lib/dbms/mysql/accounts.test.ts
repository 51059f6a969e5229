import t from 'tap';
import { accountOf, accountSql, withDefiner } from '../../../../lib/dbms/mysql/accounts.js';

const WHO = accountSql(accountOf('sqlrs_0123abcd_s_00112233445566778899'));

t.test('withDefiner replaces the DEFINER clause however SHOW CREATE quotes it', async (t) => {
  const cases: Array<[string, string]> = [
    [
      'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1',
      ' SQL SECURITY DEFINER VIEW `v` AS select 1',
    ],
    ['CREATE DEFINER=`a``b`@`%` PROCEDURE `p`() select 1', ' PROCEDURE `p`() select 1'],
    // Made under sql_mode ANSI_QUOTES (or ORACLE), routines and triggers show "name"@"host".
    ['CREATE DEFINER="root"@"127.0.0.1" PROCEDURE "p"()\nselect 1', ' PROCEDURE "p"()\nselect 1'],
    [
      'CREATE DEFINER="x""y"@"%" trigger tr before insert on t for each row set new.a=1',
      ' trigger tr before insert on t for each row set new.a=1',
    ],
    [
      "CREATE DEFINER='root'@'%' EVENT `e` ON SCHEDULE EVERY 1 DAY DO select 1",
      ' EVENT `e` ON SCHEDULE EVERY 1 DAY DO select 1',
    ],
  ];
  for (const [sql, rest] of cases) {
    const out = withDefiner(sql, WHO);
    t.equal(out.slice(out.indexOf(WHO) + WHO.length), rest, sql);
    t.equal(out.match(/DEFINER\s*=/gi)?.length, 1, 'one DEFINER clause');
  }
});
