import { invalidArgument } from '../lib/errors.js';

export interface EngineFlags {
  listen: { host: string; port: number };
  engineJson: string;
  runDir?: string;
  idleTimeoutMs: number;
  version?: string;
  stateDir?: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as the Go engine took them: `30s`, `2m`, `1h30m`, `500ms`, `0`. */
export function parseDuration(text: string): number {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw invalidArgument(`invalid duration ${JSON.stringify(text)} (use e.g. 30s, 2m, 1h30m, 0)`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw invalidArgument(`--listen must be HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

const KNOWN = ['listen', 'write-engine-json', 'run-dir', 'idle-timeout', 'version', 'state-dir'];

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
