import { stateId } from '../../hash.js';
import type { PlanTask } from '../../schema-types.js';
import type { PrepareContext } from '../context.js';
import type { PrepareKindName } from '../kinds/kind.js';

export interface PlannedStep {
  index: number;
  taskId: string;
  input: { kind: 'image' | 'state'; id: string };
  taskHash: string;
  stateId: string;
  stateDb: string;
  cached: boolean;
}

/** The chain of states (docs/prepare.md): step 0 on the resolved image, each next on the last. */
export function chainStates(
  ctx: PrepareContext,
  resolvedImage: string,
  taskHashes: string[],
): PlannedStep[] {
  let input: PlannedStep['input'] = { kind: 'image', id: resolvedImage };
  return taskHashes.map((taskHash, index) => {
    const id = stateId(input.kind, input.id, taskHash);
    const step: PlannedStep = {
      index,
      taskId: `execute-${index}`,
      input,
      taskHash,
      stateId: id,
      stateDb: ctx.names.state(id),
      cached: false,
    };
    input = { kind: 'state', id };
    return step;
  });
}

/**
 * Marks the steps whose state is in the catalog and whose database still exists (docs/prepare.md).
 * Once one step is not cached, the ones after it may still be (another chain built them).
 */
export function markCached(ctx: PrepareContext, steps: PlannedStep[], existing: Set<string>): void {
  for (const step of steps)
    step.cached = ctx.store.getState(step.stateId) !== undefined && existing.has(step.stateDb);
}

export function planTasks(
  kind: PrepareKindName,
  imageId: string,
  resolved: { id: string; needed: boolean },
  steps: PlannedStep[],
  planOnly: boolean,
): PlanTask[] {
  const tasks: PlanTask[] = [{ task_id: 'plan', type: 'plan', planner_kind: kind }];
  if (resolved.needed) {
    tasks.push({
      task_id: 'resolve-image',
      type: 'resolve_image',
      image_id: imageId,
      resolved_image_id: resolved.id,
    });
  }
  for (const s of steps) {
    tasks.push({
      task_id: s.taskId,
      type: 'state_execute',
      input: s.input,
      task_hash: s.taskHash,
      output_state_id: s.stateId,
      cached: s.cached,
    });
  }
  const last = steps.at(-1);
  if (!planOnly && last) {
    tasks.push({
      task_id: 'prepare-instance',
      type: 'prepare_instance',
      input: { kind: 'state', id: last.stateId },
      instance_mode: 'ephemeral',
    });
  }
  return tasks;
}
