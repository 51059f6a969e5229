import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import t from 'tap';
import {
  type HasArg,
  LONG_NAMES,
  PSQL_OPTIONS,
  resolveLong,
  shortOption,
} from '../../../../lib/psql/argv/options.js';
import { tempDir } from '../../../helpers/tmp.js';

/**
 * The engine's option table and its reading of long-option prefixes, checked against the
 * installed psql: psql reports how glibc's getopt_long read each argument before it connects.
 * Every probe points psql at a socket directory that does not exist, so none reaches a server.
 */
const NOWHERE = '/nonexistent-sqlrs-probe';

interface Ran {
  stdout: string;
  stderr: string;
}

function psql(args: string[], cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // detached: no controlling terminal, so -W cannot open /dev/tty and wait for a password
    const child = spawn('psql', ['-X', '-h', NOWHERE, ...args], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: cwd, LC_ALL: 'C', PGCONNECT_TIMEOUT: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, stderr });
    });
  });
}

async function inBatches<T, R>(items: T[], size: number, f: (item: T) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(f))));
  return out;
}

type Reading =
  | { kind: 'option'; name: string; hasArg: HasArg }
  | { kind: 'ambiguous'; candidates: string[] }
  | { kind: 'unknown' };

const quoted = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How psql read `--<given>`, from glibc's messages (and psql's help for --help itself). */
async function psqlReadsLong(given: string, cwd: string): Promise<Reading> {
  const a = await psql([`--${given}=${NOWHERE}/x`], cwd);
  const noArg = /option '--([a-z0-9-]+)' doesn't allow an argument/.exec(a.stderr);
  if (noArg) return { kind: 'option', name: noArg[1] as string, hasArg: 'none' };
  if (new RegExp(`option '--${quoted(given)}=?[^']*' is ambiguous`).test(a.stderr)) {
    const list = a.stderr.split('possibilities:')[1] ?? '';
    const candidates = [...list.matchAll(/'--([a-z0-9-]+)'/g)].map((m) => m[1] as string);
    return { kind: 'ambiguous', candidates };
  }
  if (/unrecognized option/.test(a.stderr)) return { kind: 'unknown' };
  // It took the value: as the last argument it either needs one or prints help without one.
  const b = await psql([`--${given}`], cwd);
  const required = /option '--([a-z0-9-]+)' requires an argument/.exec(b.stderr);
  if (required) return { kind: 'option', name: required[1] as string, hasArg: 'required' };
  if (/^psql is the PostgreSQL interactive terminal/.test(b.stdout))
    return { kind: 'option', name: 'help', hasArg: 'optional' };
  throw new Error(`--${given}: unexpected psql output: ${a.stderr} / ${b.stderr}`);
}

function engineReadsLong(given: string): Reading {
  const r = resolveLong(given);
  if (r.kind !== 'option') return r;
  return { kind: 'option', name: r.name, hasArg: r.option.hasArg };
}

/** How psql read `-<letter>` given last: unknown, needs a value, or a flag on its own. */
async function psqlReadsShort(letter: string, cwd: string): Promise<HasArg | 'unknown'> {
  const r = await psql([`-${letter}`], cwd);
  if (r.stderr.includes(`invalid option -- '${letter}'`)) return 'unknown';
  if (r.stderr.includes(`option requires an argument -- '${letter}'`)) return 'required';
  return 'none';
}

t.test('every option psql --help lists is in the engine table, and no other', async (t) => {
  const help = (await psql(['--help'], await tempDir(t))).stdout;
  t.match(help, /^psql is the PostgreSQL interactive terminal/);
  const longs = new Set([...help.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
  t.same([...longs].sort(), LONG_NAMES.map((l) => l.name).sort(), 'long options');
  const shorts = new Set([...help.matchAll(/^ {2}-(\S)[, ]/gm)].map((m) => m[1]));
  const table = PSQL_OPTIONS.flatMap((o) => (o.short ? [o.short] : []));
  t.same([...shorts].sort(), table.sort(), 'short options');
});

t.test('every long option and each of its prefixes reads as psql reads it', async (t) => {
  const cwd = await tempDir(t);
  const given = new Set(['', 'database', 'commandx', 'no-', 'foo', 'helpx', 'csv-']);
  for (const { name } of LONG_NAMES)
    for (let n = 1; n <= name.length; n++) given.add(name.slice(0, n));
  const list = [...given];
  const psqlReadings = await inBatches(list, 8, (g) => psqlReadsLong(g, cwd));
  let options = 0;
  let ambiguous = 0;
  list.forEach((g, i) => {
    const theirs = psqlReadings[i] as Reading;
    if (theirs.kind === 'option') options++;
    if (theirs.kind === 'ambiguous') ambiguous++;
    const ours = engineReadsLong(g);
    if (ours.kind === 'ambiguous' && theirs.kind === 'ambiguous') {
      t.same([...ours.candidates].sort(), [...theirs.candidates].sort(), `--${g} ambiguous`);
    } else t.same(ours, theirs, `--${g}`);
  });
  t.ok(
    options > 150 && ambiguous > 40,
    `${list.length} spellings: ${options} options, ${ambiguous} ambiguous`,
  );
  t.same(await readdir(cwd), [], 'no probe wrote a file');
});

t.test('every short letter reads as psql reads it', async (t) => {
  const cwd = await tempDir(t);
  const letters = [
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    ...'?:!@#%+=_.,;',
  ];
  const psqlReadings = await inBatches(letters, 8, (l) => psqlReadsShort(l, cwd));
  letters.forEach((letter, i) => {
    const ours = shortOption(letter)?.hasArg ?? 'unknown';
    t.equal(ours, psqlReadings[i], `-${letter}`);
  });
});
