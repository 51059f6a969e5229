import t from 'tap';
import { PSQL_OPTIONS, resolveLong, shortOption } from '../../../../lib/psql/argv/options.js';

t.test('the allowlist is the steps, variables and output options of docs/prepare.md', async (t) => {
  const by = (policy: string) =>
    PSQL_OPTIONS.filter((o) => o.policy === policy)
      .map((o) => o.short ?? `--${o.long[0]}`)
      .sort();
  t.same(by('allowed'), [...'01AFPRabcefnqtvxz'].sort());
  t.same(by('enforced'), ['X']);
  t.same(by('connection'), ['U', 'd', 'h', 'p'].sort());
  t.same(by('refused'), ['--csv', '--help', ...'?EHLSTVWlosw'].sort());
});

t.test('long names resolve as getopt_long resolves them', async (t) => {
  t.match(resolveLong('comm'), { kind: 'option', name: 'command' });
  t.match(resolveLong('var'), { kind: 'option', name: 'variable', option: { short: 'v' } });
  t.match(resolveLong('field-separator'), { kind: 'option', name: 'field-separator' });
  t.match(resolveLong('field-separator-'), { kind: 'option', name: 'field-separator-zero' });
  t.match(resolveLong('field'), { kind: 'ambiguous' });
  t.match(resolveLong('v'), { kind: 'ambiguous', candidates: ['variable', 'version'] });
  t.match(resolveLong(''), { kind: 'ambiguous' });
  t.match(resolveLong('database'), { kind: 'unknown' });
  t.match(resolveLong('commandx'), { kind: 'unknown' });
  t.equal(shortOption(':'), undefined, 'a colon is never an option letter');
  t.equal(shortOption('K'), undefined);
});
