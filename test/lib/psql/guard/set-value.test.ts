import t from 'tap';
import { possibleTexts, setArguments } from '../../../../lib/psql/guard/set-value.js';

t.test("\\set's arguments as psql reads them", async (t) => {
  t.same(setArguments(' name plain'), [[{ text: 'name' }], [{ text: 'plain' }]]);
  t.same(setArguments(" q 'it''s a' b"), [[{ text: 'q' }], [{ text: "it's a" }], [{ text: 'b' }]]);
  t.same(setArguments(' d "A  b"x'), [[{ text: 'd' }], [{ text: '"A  b"x' }]], '"..." kept whole');
  t.same(setArguments(' v :s.users'), [
    [{ text: 'v' }],
    [{ variable: 's', quote: '' }, { text: '.users' }],
  ]);
  t.same(setArguments(` v :'a':"b"::c`), [
    [{ text: 'v' }],
    [
      { variable: 'a', quote: "'" },
      { variable: 'b', quote: '"' },
      { text: ':' },
      { variable: 'c', quote: '' },
    ],
  ]);
  t.same(setArguments(' v :{?x}'), [[{ text: 'v' }], [{ variable: '{?x}', quote: '' }]]);
  t.same(setArguments(' v a: 1'), [[{ text: 'v' }], [{ text: 'a:' }], [{ text: '1' }]]);
  t.same(setArguments(" v 'open"), [[{ text: 'v' }], [{ text: 'open' }]]);
});

t.test('possible texts: every combination, or undefined past the limit', async (t) => {
  t.same(possibleTexts([['a'], ['1', '2'], ['.t']], 16), ['a1.t', 'a2.t']);
  t.same(possibleTexts([], 16), ['']);
  t.equal(
    possibleTexts(
      [
        ['a', 'b'],
        ['c', 'd'],
        ['e', 'f'],
      ],
      4,
    ),
    undefined,
  );
});
