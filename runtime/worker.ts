import { digestFiles } from './tasks/digest-files.js';
import { hashMysqlSteps } from './tasks/hash-mysql-steps.js';
import { hashPsqlSteps } from './tasks/hash-psql-steps.js';
import { inlinePsqlStep } from './tasks/inline-psql-step.js';
import { runMysql } from './tasks/run-mysql.js';
import { runPsql } from './tasks/run-psql.js';

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
