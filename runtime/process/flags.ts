import { parseDuration } from '../../lib/duration.js';
import { invalidArgument } from '../../lib/errors.js';

export interface EngineFlags {
  listen: { host: string; port: number };
  engineJson: string;
  runDir?: string;
  idleTimeoutMs: number;
  version?: string;
  stateDir?: string;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw invalidArgument(`--listen must be HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

/** Every flag with what it takes and does: the parser and `--help` read this one list. */
const FLAGS: ReadonlyArray<{ name: string; value: string; help: string }> = [
  {
    name: 'listen',
    value: 'HOST:PORT',
    help: 'required; port 0 picks a free one, IPv6 as [::1]:0',
  },
  { name: 'write-engine-json', value: 'PATH', help: 'required; where to write engine.json' },
  {
    name: 'state-dir',
    value: 'DIR',
    help: "the state directory (default $SQLRS_STATE_STORE, else engine.json's directory)",
  },
  {
    name: 'idle-timeout',
    value: 'DURATION',
    help: 'stop after this long without requests or jobs (default 30s; 0 never)',
  },
  { name: 'run-dir', value: 'DIR', help: 'working directory of steps without a -f file' },
  { name: 'version', value: 'STRING', help: 'the version /v1/health reports' },
];

const KNOWN = FLAGS.map((f) => f.name);

/** `sqlrs-engine --help` (docs/runtime.md, Flags). */
export function engineHelp(): string {
  const width = Math.max(...FLAGS.map((f) => f.name.length + f.value.length + 3));
  const lines = FLAGS.map((f) => `  ${`--${f.name} ${f.value}`.padEnd(width)}  ${f.help}`);
  return `Usage: sqlrs-engine --listen HOST:PORT --write-engine-json PATH [FLAGS]

Serves the sqlrs HTTP API for one state directory (docs/runtime.md). The sqlrs CLI starts
one when none answers; stop it with SIGTERM or SIGINT (or sqlrs stop).

${lines.join('\n')}
  -h, --help${' '.repeat(Math.max(2, width - 8))}this help

Flags take --flag value or --flag=value. Exit codes: 0 stopped, 1 could not start, 2 bad flags.
`;
}

/** `--help` or `-h` anywhere among the flags (checked before they are parsed). */
export const wantsHelp = (argv: string[]) => argv.some((a) => a === '--help' || a === '-h');

/** Parses `--flag value` and `--flag=value`; unknown flags and missing values are errors. */
export function parseEngineFlags(argv: string[]): EngineFlags {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m || !KNOWN.includes(m[1] as string)) throw invalidArgument(`unknown argument ${arg}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw invalidArgument(`--${m[1]} needs a value`);
    values[m[1] as string] = value;
  }
  if (!values.listen) throw invalidArgument('--listen HOST:PORT is required');
  if (!values['write-engine-json']) throw invalidArgument('--write-engine-json PATH is required');
  return {
    listen: parseListen(values.listen),
    engineJson: values['write-engine-json'],
    runDir: values['run-dir'],
    idleTimeoutMs: parseDuration(values['idle-timeout'] ?? '30s'),
    version: values.version,
    stateDir: values['state-dir'],
  };
}
