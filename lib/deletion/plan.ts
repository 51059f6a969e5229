import { imageTarget } from '../config.js';
import type { DbmsServer } from '../dbms/types.js';
import type { Kernel } from '../kernel/kernel.js';
import type { DeleteNode } from '../schema-types.js';

export type { DeleteNode };

/** One database to drop, in the order of the plan (children before parents). */
export interface Drop {
  node: DeleteNode;
  kind: 'state' | 'instance';
  id: string;
  db: string;
  server: DbmsServer;
}

export interface DeletePlan {
  root: DeleteNode;
  drops: Drop[];
}

/** What planning reads: the catalog, and the server of each image. */
type PlanContext = Pick<Kernel, 'store' | 'config' | 'servers'>;

const serverOf = (ctx: PlanContext, imageId: string) =>
  ctx.servers(imageTarget(ctx.config, imageId));

/** The plan for one instance: a single node with its session count. */
export async function planInstanceDelete(
  ctx: PlanContext,
  instanceId: string,
  force: boolean,
): Promise<DeletePlan> {
  const row = ctx.store.getInstance(instanceId);
  if (!row) throw new Error(`instance ${instanceId} vanished`);
  const root: DeleteNode = { kind: 'instance', id: instanceId };
  const plan = {
    root,
    drops: [
      {
        node: root,
        kind: 'instance' as const,
        id: instanceId,
        db: row.db_name,
        server: serverOf(ctx, row.image_id),
      },
    ],
  };
  await countSessions(plan, force);
  return plan;
}

/**
 * A state's deletion tree (docs/deletion.md): without `recurse`, a state with instances or child
 * states is blocked (`has_descendants`); with it, every child state and instance below, where
 * one blocked node blocks its ancestors (`blocked_by_descendant`).
 */
export async function planStateDelete(
  ctx: PlanContext,
  stateId: string,
  opts: { recurse: boolean; force: boolean },
): Promise<DeletePlan> {
  const drops: Drop[] = [];
  if (!opts.recurse) {
    const root: DeleteNode = { kind: 'state', id: stateId };
    const hasDescendants =
      ctx.store.instancesOfState(stateId).length > 0 || ctx.store.childStateIds(stateId).length > 0;
    if (hasDescendants) root.blocked = 'has_descendants';
    else drops.push(stateDrop(ctx, stateId, root));
    return { root, drops };
  }
  const root = collect(ctx, stateId, drops);
  const plan = { root, drops };
  await countSessions(plan, opts.force);
  propagateBlocked(root);
  return plan;
}

/** The state and every state below it, as the catalog has them now. */
export function subtreeStateIds(ctx: PlanContext, stateId: string): string[] {
  return [stateId, ...ctx.store.childStateIds(stateId).flatMap((c) => subtreeStateIds(ctx, c))];
}

function stateDrop(ctx: PlanContext, stateId: string, node: DeleteNode): Drop {
  const row = ctx.store.getState(stateId);
  if (!row) throw new Error(`state ${stateId} vanished`);
  return { node, kind: 'state', id: stateId, db: row.db_name, server: serverOf(ctx, row.image_id) };
}

/** Depth-first: a state's instances and child subtrees are dropped before the state itself. */
function collect(ctx: PlanContext, stateId: string, drops: Drop[]): DeleteNode {
  const children: DeleteNode[] = [];
  for (const inst of ctx.store.instancesOfState(stateId)) {
    const node: DeleteNode = { kind: 'instance', id: inst.instance_id };
    drops.push({
      node,
      kind: 'instance',
      id: inst.instance_id,
      db: inst.db_name,
      server: serverOf(ctx, inst.image_id),
    });
    children.push(node);
  }
  for (const child of ctx.store.childStateIds(stateId)) children.push(collect(ctx, child, drops));
  const node: DeleteNode = { kind: 'state', id: stateId };
  if (children.length > 0) node.children = children;
  drops.push(stateDrop(ctx, stateId, node));
  return node;
}

/** Sets `connections` on instance nodes (one query per server) and blocks busy ones. */
export async function countSessions(plan: DeletePlan, force: boolean): Promise<void> {
  const byServer = new Map<DbmsServer, Drop[]>();
  for (const d of plan.drops.filter((x) => x.kind === 'instance')) {
    byServer.set(d.server, [...(byServer.get(d.server) ?? []), d]);
  }
  for (const [server, drops] of byServer) {
    const counts = await server.sessions(drops.map((d) => d.db));
    for (const d of drops) {
      const n = counts.get(d.db) ?? 0;
      d.node.connections = n;
      if (n > 0 && !force) d.node.blocked = 'active_connections';
      else delete d.node.blocked;
    }
  }
}

/** Marks every ancestor of a blocked node `blocked_by_descendant`; true if anything is blocked. */
export function propagateBlocked(node: DeleteNode): boolean {
  let below = false;
  for (const child of node.children ?? []) below = propagateBlocked(child) || below;
  if (below && !node.blocked) node.blocked = 'blocked_by_descendant';
  return below || node.blocked !== undefined;
}

/**
 * Whether a state the plan drops has a child state or a shown instance the plan does not
 * cover. Asked in the write that records the drops, which on a shared catalog runs at the
 * head: another engine may have added one after the plan was read from the replica.
 */
export function planOutgrown(ctx: Pick<Kernel, 'store'>, plan: DeletePlan): boolean {
  const covered = new Set(plan.drops.map((d) => d.id));
  return plan.drops.some(
    (d) =>
      d.kind === 'state' &&
      (ctx.store.childStateIds(d.id).some((c) => !covered.has(c)) ||
        ctx.store.instancesOfState(d.id).some((i) => !covered.has(i.instance_id))),
  );
}
