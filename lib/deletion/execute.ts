import { sqlrsError } from '../errors.js';
import { randomHex } from '../id.js';
import type { DeleteResult } from '../schema-types.js';
import { writeOrQueue } from '../store/write-or-queue.js';
import type { DeletionContext } from './context.js';
import {
  countSessions,
  type DeletePlan,
  type Drop,
  planOutgrown,
  propagateBlocked,
} from './plan.js';

/**
 * Runs a deletion plan all-or-nothing (docs/deletion.md). Without force, instance databases are
 * first fenced (no new connections) and their sessions counted again, so a session that came
 * in after the check turns the result into `blocked` before anything is dropped. `onlyIf` is
 * asked again in the turn that records the drops: the fence, the counts and the warm copies
 * wait on the server, and what it guards (a lease, a job's need) may have changed meanwhile.
 */
export async function executeDelete(
  ctx: DeletionContext,
  plan: DeletePlan,
  opts: { force: boolean; dryRun: boolean; recurse?: boolean; onlyIf?: () => boolean },
): Promise<DeleteResult> {
  const blocked = propagateBlocked(plan.root);
  if (opts.dryRun)
    return { dry_run: true, outcome: blocked ? 'blocked' : 'would_delete', root: plan.root };
  if (blocked) return { dry_run: false, outcome: 'blocked', root: plan.root };
  const instances = plan.drops.filter((d) => d.kind === 'instance');
  if (!opts.force && !(await fenceAndRecheck(plan))) {
    return { dry_run: false, outcome: 'blocked', root: plan.root };
  }
  // Warm-pool copies go first: a state cannot be dropped while a copy of it is being made.
  // Its reserved instance name goes with them.
  for (const d of plan.drops) {
    if (d.kind === 'instance') continue;
    ctx.reservations?.forget(d.id);
    await ctx.warmPool?.drain(d.id);
  }
  const opIds = await recordDrops(ctx, plan, opts.onlyIf).catch(async (err) => {
    // Nothing was dropped: the instances take connections again, as before the request.
    if (!opts.force) await fence(plan, true);
    throw err;
  });
  if (!opIds) {
    // The tree grew since it was planned (another engine built on it): nothing was recorded.
    if (!opts.force) await fence(plan, true);
    if (opts.recurse) {
      throw sqlrsError(
        'conflict',
        `state ${plan.root.id} gained a child state or instance while its delete was planned; try again`,
      );
    }
    plan.root.blocked = 'has_descendants';
    return { dry_run: false, outcome: 'blocked', root: plan.root };
  }
  for (const drop of plan.drops) {
    const outcome = await drop.server.drop(drop.db, opts.force);
    if (outcome === 'busy') {
      // Only possible for a session that got past the fence; report it, keep what remains.
      drop.node.blocked = 'active_connections';
      await forgetDropped(ctx, plan, opIds, drop);
      const rest = plan.drops.slice(plan.drops.indexOf(drop)).filter((d) => d.kind === 'instance');
      for (const d of rest) await d.server.allowConnections([d.db], true);
      propagateBlocked(plan.root);
      return { dry_run: false, outcome: 'blocked', root: plan.root };
    }
  }
  await forgetDropped(ctx, plan, opIds);
  ctx.logger.info('deleted', {
    root: plan.root.id,
    databases: plan.drops.length,
    instances: instances.length,
  });
  return { dry_run: false, outcome: 'deleted', root: plan.root };
}

async function fenceAndRecheck(plan: DeletePlan): Promise<boolean> {
  await fence(plan, false);
  await countSessions(plan, false);
  if (!propagateBlocked(plan.root)) return true;
  await fence(plan, true);
  return false;
}

/** Closes (or opens again) the plan's instance databases to new connections. */
async function fence(plan: DeletePlan, allow: boolean): Promise<void> {
  for (const d of plan.drops) {
    if (d.kind === 'instance') await d.server.allowConnections([d.db], allow);
  }
}

/**
 * Records every drop as pending before the first one starts: an engine killed in the middle
 * (or a DROP still running on the server when it restarts) is finished by reconciliation.
 * The records commit the delete: `onlyIf` is asked in the same turn, so nothing that changes
 * its answer can come in between (a renew sees the records and is refused). The write checks
 * that the tree is still the planned one (its function runs at a shared catalog's head, where
 * builds and clones of other engines are seen): grown, nothing is recorded (undefined), and
 * from the records on, those builds and clones see the delete and give up (docs/deletion.md).
 */
async function recordDrops(
  ctx: DeletionContext,
  plan: DeletePlan,
  onlyIf?: () => boolean,
): Promise<string[] | undefined> {
  if (onlyIf && !onlyIf()) {
    throw sqlrsError(
      'conflict',
      `${plan.root.kind} ${plan.root.id} changed while its delete waited`,
    );
  }
  const now = ctx.clock().toISOString();
  const ids = plan.drops.map(() => randomHex(8));
  const imageOf = (d: Drop) =>
    (d.kind === 'instance' ? ctx.store.getInstance(d.id) : ctx.store.getState(d.id))?.image_id ??
    '';
  try {
    const grown = await ctx.store.write((w) => {
      if (planOutgrown(ctx, plan)) return true;
      for (const [i, d] of plan.drops.entries()) {
        w.addPending({
          op_id: ids[i] as string,
          kind: 'drop',
          image_id: imageOf(d),
          db_name: d.db,
          target_id: d.id,
          job_id: null,
          created_at: now,
          reason: 'delete',
          engine_id: ctx.engineId,
        });
      }
      return false;
    });
    if (grown) return undefined;
  } catch (err) {
    // Committed but not saved (a full disk): left in memory, the records would reach the disk
    // with a later flush, and the next start's reconciliation would drop databases the user
    // still has. Nothing was dropped: take them back.
    ctx.store.commit((w) => {
      for (const id of ids) w.removePending(id);
    });
    throw err;
  }
  return ids;
}

/** Removes the rows of the databases dropped so far (all, or those before `stop`) and the pending drops. */
async function forgetDropped(ctx: DeletionContext, plan: DeletePlan, opIds: string[], stop?: Drop) {
  const upTo = stop ? plan.drops.indexOf(stop) : plan.drops.length;
  const dropped = plan.drops.slice(0, upTo);
  // The databases are gone: their rows go too, now or with the catalog's next flush.
  await writeOrQueue(ctx.store, (w) => {
    for (const id of opIds) w.removePending(id);
    for (const d of dropped) {
      if (d.kind === 'instance') w.deleteInstance(d.id);
      else w.deleteState(d.id);
    }
  });
}
