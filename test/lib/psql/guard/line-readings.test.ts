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

t.test('with what the scan found of the reference, the line is lexed only as needed', async (t) => {
  const from = { line: 1, copy: true as const };
  const scanned = { reopen: "'", command: false };
  t.match(readLine("' \\! x", 2, '', new Map([["'", from]]), always, [], scanned), {
    hidden: { line: 2, found: 'the meta-command \\!', from },
  });
  // The reference finds the same command in the same place: it is its own, not a hidden one.
  const own = readLine('x */ \\! y', 3, '', new Map([['/*', from]]), always, [], {
    reopen: '',
    command: true,
  });
  t.same(own, { reference: '', others: new Map() }, 'the readings meet; nothing refused');
  // A failing command drops the rest of its line: the reference's command, as the scan found it.
  const dropped = readLine('\\echo a \\\\ select $$', 4, '', new Map(), always, [], {
    reopen: '$$',
    command: true,
  });
  t.same(dropped, { reference: '$$', others: new Map([['', { line: 4, dropped: true }]]) });
});
