import { resolve } from 'node:path';
import { invalidArgument, type TaskResult, taskFailure } from '../../../errors.js';
import { type ReadJournal, withIdentities } from '../../../files/file-identity.js';
import { readSourceFile, unreadableReason } from '../../../files/source-file.js';
import { sha256Hex, taskHash } from '../../../hash.js';
import type { MysqlStep } from '../../../mysql/args.js';
import { splitStatements } from '../../../mysql/splitter.js';

export interface HashMysqlInput {
  steps: MysqlStep[];
  stdin?: string;
  /** Where relative `source` paths are resolved, as the mysql client does: its working directory. */
  cwd: string;
  /** false: `source` and `\.` are refused (docs/mysql.md, host files). */
  hostFiles?: boolean;
}

export interface MysqlStepHash {
  index: number;
  content_hash: string;
  task_hash: string;
  files: string[];
  /** The statements to execute, exactly the ones hashed. */
  statements: string[];
  /** Per statement: it came from a file on the engine host, which errors may not quote. */
  fromHost: boolean[];
  /** Per statement: where it starts, `file:line` (`-e (step N):line`, `stdin:line`). */
  where: string[];
}

/** Where expanded statements go, and whether each came from a host file. */
interface Collected {
  statements: string[];
  fromHost: boolean[];
  where: string[];
  files: string[];
  hostFiles: boolean;
  /** Each file's identity and bytes as read (lib/files/file-identity.ts). */
  journal: ReadJournal;
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
  const out: Collected = {
    statements: [],
    fromHost: [],
    where: [],
    files: [],
    hostFiles: input.hostFiles ?? true,
    journal,
  };
  const s = step.source;
  if (s.kind === 'file') {
    const { real, text } = readScript(s.path, 'argument', journal);
    out.files.push(...new Set([s.path, real]));
    expand(text, { label: s.path, host: true }, input.cwd, [real], out);
  } else {
    const label = s.kind === 'stdin' ? 'stdin' : `-e (step ${step.index + 1})`;
    const text = s.kind === 'stdin' ? (input.stdin ?? '') : s.sql;
    expand(text, { label, host: false }, input.cwd, [], out);
  }
  const { statements } = out;
  const content = sha256Hex(statements.flatMap((st) => [Buffer.from(st), SEPARATOR]));
  return {
    index: step.index,
    content_hash: content,
    task_hash: taskHash('mysql', content, []),
    files: out.files,
    statements,
    fromHost: out.fromHost,
    where: out.where,
  };
}

function expand(
  text: string,
  from: { label: string; host: boolean },
  cwd: string,
  stack: string[],
  out: Collected,
) {
  for (const piece of splitStatements(text)) {
    const where = `${from.label}:${piece.line}`;
    if (piece.kind === 'use')
      throw invalidArgument(`${where}: USE is not allowed: every step runs in its own schema`);
    if (piece.kind === 'source') {
      if (!out.hostFiles)
        throw invalidArgument(
          `${where}: source reads a file on the engine host, which this engine does not allow (host_files is off)`,
        );
      const given = resolve(cwd, piece.path);
      const { real, text: included } = readScript(given, where, out.journal);
      if (stack.includes(real))
        throw invalidArgument(`${where}: source cycle: ${[...stack, real].join(' -> ')}`);
      out.files.push(...new Set([given, real]));
      expand(included, { label: given, host: true }, cwd, [...stack, real], out);
      continue;
    }
    if (OTHER_SCHEMA.test(piece.sql)) {
      throw invalidArgument(`${where}: statements may not name sqlrs_ schemas (the engine's own)`);
    }
    out.statements.push(piece.sql);
    out.fromHost.push(from.host);
    out.where.push(where);
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
