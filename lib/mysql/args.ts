import { isAbsolute } from 'node:path';
import { invalidArgument } from '../errors.js';
import { checkStdinSteps } from '../steps.js';

export type MysqlSource =
  | { kind: 'execute'; sql: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

export interface MysqlStep {
  index: number;
  source: MysqlSource;
}

const CONNECTION = /^(-[hPuSpDW]|--(host|port|user|socket|password|database|protocol)(=|$))/;

/**
 * mysql arguments (docs/mysql.md): `-e SQL` / `--execute=SQL` steps, absolute `.sql` file paths as
 * steps, and `-` for stdin. Connection flags and `-f/--force` are refused; so is every other
 * flag, because steps run through the engine's driver, not the mysql client.
 */
export function normalizeMysqlArgs(
  raw: string[],
  stdin: string | undefined,
): { args: string[]; steps: MysqlStep[] } {
  const steps: MysqlStep[] = [];
  const args: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i] as string;
    const source = parseOne(a, () => {
      const v = raw[++i];
      if (v === undefined) throw invalidArgument(`${a}: flag is missing its value`);
      return v;
    });
    steps.push({ index: steps.length, source });
    args.push(
      ...(source.kind === 'execute'
        ? ['-e', source.sql]
        : [source.kind === 'file' ? source.path : '-']),
    );
  }
  const stdinSteps = steps.filter((s) => s.source.kind === 'stdin').length;
  if (steps.length === 0) throw invalidArgument('mysql_args: no step: give -e SQL or a .sql file');
  checkStdinSteps(stdinSteps, stdin, '-');
  return { args, steps };
}

function parseOne(a: string, next: () => string): MysqlSource {
  if (a === '-') return { kind: 'stdin' };
  if (a === '-e' || a === '--execute') return { kind: 'execute', sql: next() };
  if (a.startsWith('--execute=')) return { kind: 'execute', sql: a.slice(10) };
  if (a.startsWith('-e') && a.length > 2) return { kind: 'execute', sql: a.slice(2) };
  if (CONNECTION.test(a))
    throw invalidArgument(`${a}: connection flags are not accepted; the engine picks the server`);
  if (a === '-f' || a === '--force')
    throw invalidArgument(`${a}: --force is not accepted: a failing statement fails the step`);
  if (a === '--') throw invalidArgument('--: arguments after -- are not accepted');
  if (a.startsWith('-'))
    throw invalidArgument(`${a}: only -e SQL, .sql files and - are accepted for mysql`);
  if (!isAbsolute(a)) throw invalidArgument(`${a}: file paths must be absolute`);
  return { kind: 'file', path: a };
}
