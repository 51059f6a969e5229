import { hashMysqlSteps } from '../../lib/prepare/kinds/mysql/hash-task.js';
import { runMysql } from '../../lib/prepare/kinds/mysql/run-task.js';
import { digestFiles } from '../../lib/prepare/kinds/psql/digest-task.js';
import { hashPsqlSteps } from '../../lib/prepare/kinds/psql/hash-task.js';
import { inlinePsqlStep } from '../../lib/prepare/kinds/psql/inline-task.js';
import { runPsql } from '../../lib/prepare/kinds/psql/run-task.js';

/** The task modules a pool worker can run, by name. Each is a pure function over cloneable data. */
export const TASKS = {
  hashPsqlSteps,
  inlinePsqlStep,
  runPsql,
  hashMysqlSteps,
  runMysql,
  digestFiles,
};

export type TaskName = keyof typeof TASKS;

export default function runTask({ task, input }: { task: TaskName; input: never }) {
  return (TASKS[task] as (input: never) => unknown)(input);
}
