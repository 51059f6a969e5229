import type { TaskResult } from '../../../errors.js';
import { taskFailure } from '../../../errors.js';
import type { PsqlStep } from '../../../psql/argv/args.js';
import { type Inlined, Inliner } from '../../../psql/restrict/inline.js';
import { expandSql } from '../../../psql/scan/expand.js';
import { presetVariables, stepScript } from './hash-task.js';

export interface InlinePsqlInput {
  step: PsqlStep;
  stdin?: string;
  cwd: string;
  hostFiles: boolean;
}

/**
 * Worker task: the script a restricted psql step reads (docs/prepare.md, restricted mode):
 * its includes put in place, pg_dump's own `\restrict` pair dropped, and where each line came
 * from. It reads the files again, as psql would when the step runs; the step's check that its
 * files kept their identity since they were hashed covers both readings.
 */
export function inlinePsqlStep(input: InlinePsqlInput): TaskResult<Inlined> {
  try {
    const { text, origin } = stepScript(input.step, input);
    const inline = new Inliner();
    expandSql(text, origin, input.cwd, presetVariables(input.step.flags), {
      hostFiles: input.hostFiles,
      inline,
    });
    return { ok: true, ...inline.result() };
  } catch (err) {
    return taskFailure(err);
  }
}
