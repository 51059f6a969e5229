import t from 'tap';
import { closerOf, readLine } from '../../../../lib/psql/guard/line-readings.js';

const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
const always = () => true;

t.test('a line read every way: the states it leaves, or what it finds', async (t) => {
  const masked = readLine(bytes("select 'あ', 'x"), 1, '', new Map(), always);
  t.match(masked, { reference: "'" }, 'the plain reading ends inside the literal');
  t.same('others' in masked && [...masked.others.keys()], [''], 'a masked one does not');
  const from = { line: 1, encodings: 'BIG5' };
  const found = readLine("' \\! x", 2, '', new Map([["'", from]]), always);
  t.match(found, { hidden: { line: 2, found: 'the meta-command \\!', from } });
  const harmless = readLine("' \\! x", 2, '', new Map([["'", from]]), () => false);
  t.same(harmless, { reference: "'", others: new Map([['', from]]) }, 'nothing refused');
});

t.test('what could end each state', async (t) => {
  t.same(["'", "E'", '"', '$q$', '/*/*', ''].map(closerOf), ["'", "'", '"', '$', '*', '\n']);
});
