import { dirname } from 'node:path';
import { invalidArgument, type TaskResult, taskFailure } from '../../../errors.js';
import { type ReadJournal, withIdentities } from '../../../files/file-identity.js';
import { readSourceFile, unreadableReason } from '../../../files/source-file.js';
import { sha256Hex, taskHash } from '../../../hash.js';
import type { PsqlStep } from '../../../psql/argv/args.js';
import { variableAssignment } from '../../../psql/argv/flags.js';
import { expandSql } from '../../../psql/scan/expand.js';

export interface HashPsqlInput {
  steps: PsqlStep[];
  stdin?: string;
  /** Working directory of every step (docs/prepare.md). */
  cwd: string;
  /** false: includes and \copy from files are refused (docs/prepare.md, host files). */
  hostFiles?: boolean;
}

export interface StepHash {
  index: number;
  content_hash: string;
  task_hash: string;
  /** Files read for this step, the -f file first. */
  files: string[];
}

/**
 * Worker task: expand and hash every step (docs/prepare.md). Pure over cloneable data; errors come
 * back as `{ok:false, error}` because a thrown error would lose its code crossing threads.
 * `identities` (when every file read had settled) lets the main thread reuse the result.
 */
export function hashPsqlSteps(input: HashPsqlInput): TaskResult<{
  steps: StepHash[];
  identities?: Record<string, string>;
  seen: Record<string, string>;
  digests: Record<string, string>;
}> {
  try {
    return {
      ok: true,
      ...withIdentities((j) => input.steps.map((step) => hashStep(step, input, j))),
    };
  } catch (err) {
    return taskFailure(err);
  }
}

function hashStep(step: PsqlStep, input: HashPsqlInput, journal: ReadJournal): StepHash {
  const { text, origin, bytes } = stepScript(step, input, journal);
  const files = step.source.kind === 'file' ? [step.source.path] : [];
  const expansion = expandSql(text, origin, input.cwd, presetVariables(step.flags), {
    hostFiles: input.hostFiles,
    journal,
    bytes,
  });
  const content = sha256Hex(expansion.chunks);
  const stepFlag = step.source.kind === 'command' ? '-c' : '-f';
  return {
    index: step.index,
    content_hash: content,
    task_hash: taskHash('psql', content, [...step.flags, stepFlag]),
    files: [...files, ...expansion.files],
  };
}

/**
 * A step's script (latin1: a character per byte), the label and directory it has, and for a
 * file the bytes read (hashed as they are, not copied again from the text).
 */
export function stepScript(
  step: PsqlStep,
  input: { stdin?: string; cwd: string },
  journal?: ReadJournal,
): { text: string; origin: { label: string; dir: string }; bytes?: Buffer } {
  const { source } = step;
  if (source.kind === 'file') {
    const bytes = readStepFile(source.path, journal);
    return {
      text: bytes.toString('latin1'),
      origin: { label: source.path, dir: dirname(source.path) },
      bytes,
    };
  }
  if (source.kind === 'stdin') {
    const text = Buffer.from(input.stdin ?? '', 'utf8').toString('latin1');
    return { text, origin: { label: 'stdin', dir: input.cwd } };
  }
  const text = Buffer.from(source.sql, 'utf8').toString('latin1');
  return { text, origin: { label: `-c (step ${step.index + 1})`, dir: input.cwd } };
}

function readStepFile(path: string, journal?: ReadJournal): Buffer {
  try {
    return readSourceFile(path, journal).content;
  } catch (err) {
    throw invalidArgument(`-f ${path}: ${unreadableReason(err)}`, `argument: -f ${path}`);
  }
}

/** The step's `-v name=value` (and `-v name`, which unsets) in order, from its flags. */
export function presetVariables(flags: string[]): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [];
  for (let i = 0; i < flags.length - 1; i++) {
    if (flags[i] !== '-v') continue;
    out.push(variableAssignment(flags[++i] as string));
  }
  return out;
}
