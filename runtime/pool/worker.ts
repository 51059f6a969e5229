import { runTask, type TaskInput, type TaskName } from '../../lib/tasks.js';

/** The pool's worker entry: runs the named task from lib/tasks.ts on its input. */
export default function runPoolTask<K extends TaskName>({
  task,
  input,
}: {
  task: K;
  input: TaskInput<K>;
}) {
  return runTask(task, input);
}
