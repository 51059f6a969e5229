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
