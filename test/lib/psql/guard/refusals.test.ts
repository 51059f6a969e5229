import t from 'tap';
import {
  checkSqlToken,
  refuseForbidden,
  refuseHiddenCommand,
  refuseNul,
  refuseTilde,
} from '../../../../lib/psql/guard/refusals.js';
import { VariableTaint } from '../../../../lib/psql/guard/variables.js';
import { type PsqlToken, scanMetaCommands, scanPsql } from '../../../../lib/psql/scan/scanner.js';

// Each refusal alone; test/lib/psql/scan/expand.test.ts has them on whole scripts and includes.

const ORIGIN = { label: 'a.sql', dir: '/' };
const fail = (why: string) => new Error(why);
const command = (text: string) =>
  scanMetaCommands(text)[0] as NonNullable<ReturnType<typeof scanMetaCommands>[0]>;
const sqlToken = (text: string) =>
  scanPsql(text).find((x) => x.kind !== 'meta') as Exclude<PsqlToken, { kind: 'meta' }>;

t.test('a NUL byte, named by its line', async (t) => {
  t.throws(() => refuseNul('select 1;\nselect 2\0;\n', ORIGIN), {
    code: 'invalid_argument',
    message: /^a\.sql:2: a NUL byte is not allowed/,
  });
  t.doesNotThrow(() => refuseNul('select 1;\n', ORIGIN));
});

t.test('commands that leave the database or touch the host', async (t) => {
  t.throws(() => refuseForbidden(command('\\! ls\n'), fail), /touches the host/);
  t.throws(() => refuseForbidden(command('\\echo `id`\n'), fail), /backquotes/);
  t.throws(() => refuseForbidden(command('\\prompt x\n'), fail), /no one to ask/);
  t.throws(() => refuseForbidden(command('select 1 \\g /tmp/x\n'), fail), /file or pipe/);
  t.doesNotThrow(() => refuseForbidden(command('select 1 \\g (format=csv)\n'), fail));
  t.doesNotThrow(() => refuseForbidden(command('\\echo hi\n'), fail));
});

t.test('a file name starting with ~', async (t) => {
  t.throws(() => refuseTilde('~/x.sql', fail), /home directory/);
  t.doesNotThrow(() => refuseTilde('./~x.sql', fail));
});

t.test('SQL that psql may read otherwise', async (t) => {
  const taint = new VariableTaint();
  t.throws(() => checkSqlToken(taint, sqlToken("select 'a\\';\n"), ORIGIN, ''), {
    message: /^a\.sql:1: a backslash before a quote/,
  });
  t.throws(() => checkSqlToken(taint, sqlToken('select 1$$ x $$;\n'), ORIGIN, ''), {
    message: /a dollar quote right after a number/,
  });
  t.doesNotThrow(() => checkSqlToken(taint, sqlToken('select :n;\n'), ORIGIN, ''));
  taint.seen(command("\\set n '\\\\'\n"), 'a.sql:1');
  t.throws(() => checkSqlToken(taint, sqlToken('select :n;\n'), ORIGIN, ''), {
    message: /:n may hold a backslash/,
  });
});

t.test('a command past COPY data, where psql may not be in COPY', async (t) => {
  const text = "copy t from stdin;\nit's\n\\.\n\\echo ' \\! ls\n";
  t.throws(() => refuseHiddenCommand(new VariableTaint(), text, ORIGIN), {
    message: /^a\.sql:4: psql could find .* depending on whether the \\\. on line 3/,
  });
  t.doesNotThrow(() => refuseHiddenCommand(new VariableTaint(), 'select 1;\n', ORIGIN));
});
