import { resolve } from 'node:path';
import { invalidArgument, type TaskResult, taskFailure } from '../../lib/errors.js';
import { type ReadJournal, withIdentities } from '../../lib/file-identity.js';
import { sha256Hex, taskHash } from '../../lib/hash.js';
import type { MysqlStep } from '../../lib/mysql/args.js';
import { splitStatements } from '../../lib/mysql/splitter.js';
import { readSourceFile, unreadableReason } from '../../lib/source-file.js';

export interface HashMysqlInput {
  steps: MysqlStep[];
  stdin?: string;
  /** Where relative `source` paths are resolved, as the mysql client does: its working directory. */
  cwd: string;
}

export interface MysqlStepHash {
  index: number;
  content_hash: string;
  task_hash: string;
  files: string[];
  /** The statements to execute, exactly the ones hashed. */
  statements: string[];
}

const OTHER_SCHEMA = /sqlrs_[0-9a-f]{8}_/i;
const SEPARATOR = Buffer.from('\n\u0000;\u0000\n');

/**
 * Worker task: splits every mysql step into statements, expands `source`/`\.` includes,
 * refuses `USE` and references to sqlrs_ schemas (naming file and line), and hashes the
 * statements. Pure over cloneable data; errors come back as `{ok:false, error}`.
 */
export function hashMysqlSteps(input: HashMysqlInput): TaskResult<{
  steps: MysqlStepHash[];
  identities?: Record<string, string>;
  seen: Record<string, string>;
  digests: Record<string, string>;
}> {
  try {
    return { ok: true, ...withIdentities((j) => input.steps.map((s) => hashStep(s, input, j))) };
  } catch (err) {
    return taskFailure(err);
  }
}

function hashStep(step: MysqlStep, input: HashMysqlInput, journal: ReadJournal): MysqlStepHash {
  const files: string[] = [];
  const statements: string[] = [];
  const s = step.source;
  if (s.kind === 'file') {
    const { real, text } = readScript(s.path, 'argument', journal);
    files.push(...new Set([s.path, real]));
    expand(text, s.path, input.cwd, [real], statements, files, journal);
  } else {
    const label = s.kind === 'stdin' ? 'stdin' : `-e (step ${step.index + 1})`;
    expand(
      s.kind === 'stdin' ? (input.stdin ?? '') : s.sql,
      label,
      input.cwd,
      [],
      statements,
      files,
      journal,
    );
  }
  const content = sha256Hex(statements.flatMap((st) => [Buffer.from(st), SEPARATOR]));
  return {
    index: step.index,
    content_hash: content,
    task_hash: taskHash('mysql', content, []),
    files,
    statements,
  };
}

function expand(
  text: string,
  label: string,
  cwd: string,
  stack: string[],
  out: string[],
  files: string[],
  journal: ReadJournal,
) {
  for (const piece of splitStatements(text)) {
    const where = `${label}:${piece.line}`;
    if (piece.kind === 'use')
      throw invalidArgument(`${where}: USE is not allowed: every step runs in its own schema`);
    if (piece.kind === 'source') {
      const given = resolve(cwd, piece.path);
      const { real, text: included } = readScript(given, where, journal);
      if (stack.includes(real))
        throw invalidArgument(`${where}: source cycle: ${[...stack, real].join(' -> ')}`);
      files.push(...new Set([given, real]));
      expand(included, resolve(cwd, piece.path), cwd, [...stack, real], out, files, journal);
      continue;
    }
    if (OTHER_SCHEMA.test(piece.sql)) {
      throw invalidArgument(`${where}: statements may not name sqlrs_ schemas (the engine's own)`);
    }
    out.push(piece.sql);
  }
}

function readScript(
  path: string,
  where: string,
  journal: ReadJournal,
): { real: string; text: string } {
  try {
    const { real, content } = readSourceFile(path, journal);
    return { real, text: content.toString('utf8') };
  } catch (err) {
    throw invalidArgument(`${where}: ${path}: ${unreadableReason(err)}`);
  }
}
