import { randomHex } from '../id.js';
import type { PrepareContext } from '../prepare/context.js';
import type { DeleteResult } from '../schema-types.js';
import { countSessions, type DeletePlan, type Drop, propagateBlocked } from './plan.js';

/**
 * Carries out a deletion plan all-or-nothing (SPEC §8). Without force, instance databases are
 * first fenced (no new connections) and their sessions counted again, so a session that came
 * in after the check turns the result into `blocked` before anything is dropped.
 */
export async function executeDelete(
  ctx: PrepareContext,
  plan: DeletePlan,
  opts: { force: boolean; dryRun: boolean },
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
  const opIds = await recordDrops(ctx, plan);
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
  const instances = plan.drops.filter((d) => d.kind === 'instance');
  const fence = async (allow: boolean) => {
    for (const d of instances) await d.server.allowConnections([d.db], allow);
  };
  await fence(false);
  await countSessions(plan, false);
  if (!propagateBlocked(plan.root)) return true;
  await fence(true);
  return false;
}

/**
 * Records every drop as pending before the first one starts: an engine killed in the middle
 * (or a DROP still running on the server when it restarts) is finished by reconciliation.
 */
async function recordDrops(ctx: PrepareContext, plan: DeletePlan): Promise<string[]> {
  const now = ctx.clock().toISOString();
  const ids = plan.drops.map(() => randomHex(8));
  const imageOf = (d: Drop) =>
    (d.kind === 'instance' ? ctx.store.getInstance(d.id) : ctx.store.getState(d.id))?.image_id ??
    '';
  await ctx.store.write((w) => {
    for (const [i, d] of plan.drops.entries()) {
      w.addPending({
        op_id: ids[i] as string,
        kind: 'drop',
        image_id: imageOf(d),
        db_name: d.db,
        target_id: d.id,
        job_id: null,
        created_at: now,
      });
    }
  });
  return ids;
}

/** Removes the rows of the databases dropped so far (all, or those before `stop`) and the pending drops. */
async function forgetDropped(ctx: PrepareContext, plan: DeletePlan, opIds: string[], stop?: Drop) {
  const upTo = stop ? plan.drops.indexOf(stop) : plan.drops.length;
  const dropped = plan.drops.slice(0, upTo);
  await ctx.store.write((w) => {
    for (const id of opIds) w.removePending(id);
    for (const d of dropped) {
      if (d.kind === 'instance') w.deleteInstance(d.id);
      else w.deleteState(d.id);
    }
  });
}
