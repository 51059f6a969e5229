import { imageTarget } from '../config.js';
import type { DbmsServer } from '../dbms/types.js';
import { isLeftoverDrop, resolveLeftover } from '../kernel/leftover-records.js';
import { ownerOf } from '../kernel/ownership.js';
import type { PendingRow } from '../store/types.js';
import type { DeletionContext } from './context.js';

export interface ReconcileReport {
  /** Databases in our namespace that the catalog does not know: reported, never dropped. */
  unknown: string[];
  /** Half-built databases of pending records that were dropped. */
  dropped: string[];
  /** Catalog rows whose database was gone. */
  forgotten: string[];
  /** Image ids whose server could not be reached (their rows are left as they are). */
  unreachable: string[];
  /** Logins (build_role restricted) whose database was gone, dropped. */
  logins: string[];
}

export interface ReconcileOptions {
  /**
   * Only the work of dead engines (the periodic pass, docs/scaling.md): this engine's own
   * pending records and warm copies are left alone too, as a live engine's are.
   */
  deadOnly?: boolean;
}

interface ServerWork {
  server: DbmsServer;
  images: Set<string>;
}

/**
 * Makes the catalog and the servers agree (docs/deletion.md): pending records are resolved (their
 * half-built databases dropped), rows whose database is gone are removed, fenced instances are
 * opened again, and unknown databases in this catalog's namespace are reported. Only the work
 * of this engine and of dead engines is judged: what another live engine is making, on a shared
 * catalog, is its own (docs/scaling.md, Ownership).
 */
export async function reconcile(
  ctx: DeletionContext,
  activeJobs = new Set<string>(),
  opts: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    unknown: [],
    dropped: [],
    forgotten: [],
    unreachable: [],
    logins: [],
  };
  // Judged on the catalog as it is now: another engine's lease renewed since the replica's
  // last record must not read as lapsed (docs/scaling.md, Ownership).
  await ctx.store.refresh();
  const known = knownDatabases(ctx);
  for (const work of serversInUse(ctx, known.read(), report).values()) {
    try {
      await reconcileServer(ctx, work, report, activeJobs, known, opts);
    } catch (err) {
      report.unreachable.push(...work.images);
      ctx.logger.error('reconcile_failed', {
        images: [...work.images],
        error: String((err as Error).message),
      });
    }
  }
  ctx.logger.info('reconciled', { ...report });
  return report;
}

type CatalogDatabase = ReturnType<DeletionContext['store']['catalogDatabases']>[number];

/**
 * Every database the catalog records, read once per reconciliation and again only when a
 * write came in between: reading them is one row per state and instance (300 ms at 100,000
 * of each on a 2-core machine), and a start made that read once per server and once more.
 */
function knownDatabases(ctx: DeletionContext) {
  let rows: CatalogDatabase[] | undefined;
  let at = -1;
  return {
    read(): CatalogDatabase[] {
      if (!rows || at !== ctx.store.generation) {
        rows = ctx.store.catalogDatabases();
        at = ctx.store.generation;
      }
      return rows;
    },
  };
}

function serversInUse(
  ctx: DeletionContext,
  known: CatalogDatabase[],
  report: ReconcileReport,
): Map<string, ServerWork> {
  const imageIds = new Set([
    ...known.map((d) => d.image_id),
    ...ctx.store.listPending().map((p) => p.image_id),
  ]);
  const servers = new Map<string, ServerWork>();
  for (const imageId of imageIds) {
    try {
      const target = imageTarget(ctx.config, imageId);
      const work = servers.get(target.url) ?? {
        server: ctx.servers(target),
        images: new Set<string>(),
      };
      work.images.add(imageId);
      servers.set(target.url, work);
    } catch {
      report.unreachable.push(imageId); // no longer configured: leave its rows alone
    }
  }
  return servers;
}

async function reconcileServer(
  ctx: DeletionContext,
  work: ServerWork,
  report: ReconcileReport,
  activeJobs: Set<string>,
  catalog: { read(): CatalogDatabase[] },
  opts: ReconcileOptions,
) {
  const { server, images } = work;
  // A pass waits only for what dead engines left running; a start, for any earlier engine.
  await server.settle(opts.deadOnly ? deadEngines(ctx) : undefined);
  // The catalog is read before the server is listed, and only what it held then is judged:
  // work that finishes while the listing is under way (a running job's, or another engine's
  // that the replica follows by itself) writes rows whose databases the listing missed, and
  // they are not gone (docs/deletion.md, Reconciliation).
  const pendingNow = () => {
    // Held reservations (instance names recorded ahead) are not half-done work either.
    const held = ctx.reservations?.opIds() ?? new Set<string>();
    return ctx.store.listPending().filter((p) => images.has(p.image_id) && !held.has(p.op_id));
  };
  const all = pendingNow();
  const before = new Set(catalog.read().map((d) => d.db_name));
  const onServer = new Map((await server.list(ctx.names.prefix)).map((d) => [d.name, d]));
  // Only work whose owner is dead, or ours, is judged; another live engine finishes its own.
  const judged = (owner: string | null | undefined) => {
    const o = ownerOf(ctx, owner);
    return o === 'dead' || (o === 'mine' && !opts.deadOnly);
  };
  // Work of jobs still running in this process is not half-done: leave it to them. Work
  // recorded since the catalog was read is not judged either, only left alone.
  const recorded = new Set(all.map((p) => p.op_id));
  const inFlight = [
    ...all.filter((p) => !judged(p.engine_id) || (p.job_id !== null && activeJobs.has(p.job_id))),
    ...pendingNow().filter((p) => !recorded.has(p.op_id)),
  ];
  const pending = all.filter((p) => !inFlight.includes(p));
  for (const p of inFlight) onServer.delete(p.db_name);
  // Databases being made right now (by a running job, a pool refill, or another live engine)
  // are not judged yet.
  const making = new Set([
    ...(ctx.warmPool?.inProgress() ?? []),
    ...inFlight.map((p) => p.db_name),
    ...ctx.store
      .listPooled()
      .filter((r) => !judged(r.engine_id))
      .map((r) => r.db_name),
  ]);
  for (const p of pending) {
    if (!isLeftoverDrop(p)) continue;
    // Never a database the catalog now records as live: a later build of the state made it.
    const db = onServer.has(p.db_name) ? await resolveLeftover(ctx, server, p) : undefined;
    if (db) report.dropped.push(db);
    onServer.delete(db ?? '');
  }
  const known = catalog
    .read()
    .filter((d) => images.has(d.image_id) && before.has(d.db_name) && !making.has(d.db_name));
  // A warm copy still closed was left half-made (build_role restricted opens it last).
  const halfMade = known.filter(
    (d) => d.kind === 'pool' && onServer.get(d.db_name)?.allowConnections === false,
  );
  // What a build or instance left half-made is checked once more right before its drop; an
  // interrupted delete's database and a half-made warm copy are recorded rows, dropped as read.
  const judgedIds = new Set(pending.map((p) => p.op_id));
  const made = pending.filter((p) => p.kind !== 'drop').flatMap((p) => halfDone(ctx, p));
  for (const db of [
    ...pending.filter((p) => p.kind === 'drop' && !isLeftoverDrop(p)).map((p) => p.db_name),
    ...made,
    ...halfMade.map((d) => d.db_name),
  ]) {
    if (!onServer.has(db)) continue;
    if (made.includes(db) && (await takenSince(ctx, db, judgedIds))) continue;
    await server.drop(db, true);
    onServer.delete(db);
    report.dropped.push(db);
  }
  // An interrupted delete: its databases were going; finish the job (dropped above).
  const deleting = pending.filter((p) => p.kind === 'drop' && !isLeftoverDrop(p));
  const dropping = new Set(deleting.map((p) => p.db_name));
  const gone = known.filter((d) => !onServer.has(d.db_name) || dropping.has(d.db_name));
  await ctx.store.write((w) => {
    for (const p of pending) w.removePending(p.op_id);
    for (const d of gone) {
      if (d.kind === 'state') w.deleteState(d.id);
      else if (d.kind === 'pool') w.removePooled(d.db_name);
      else w.deleteInstance(d.id);
    }
  });
  report.forgotten.push(...gone.map((d) => d.db_name));
  const fenced = known.filter(
    (d) => d.kind === 'instance' && onServer.get(d.db_name)?.allowConnections === false,
  );
  await server.allowConnections(
    fenced.map((d) => d.db_name),
    true,
  );
  const knownNames = new Set([...known.map((d) => d.db_name), ...making]);
  report.unknown.push(...[...onServer.keys()].filter((name) => !knownNames.has(name)));
  report.logins.push(...(await server.dropStrayLogins(ctx.names.prefix)));
}

/**
 * Whether a database judged half-done belongs to other work now (docs/scaling.md, Ownership):
 * a MySQL build runs in the state's own schema, so a live engine building the same state again
 * names the same database in a record of its own, and its finished build records it as the
 * state's. Read on the catalog as it is now, right before the drop.
 */
async function takenSince(ctx: DeletionContext, db: string, judged: Set<string>) {
  await ctx.store.refresh();
  if (ctx.store.recordsDatabase(db)) return true;
  return ctx.store.listPending().some((p) => p.db_name === db && !judged.has(p.op_id));
}

/** The engines whose lease lapsed, and the dead owners of pending records and warm copies. */
function deadEngines(ctx: DeletionContext): string[] {
  const owners = [
    ...ctx.store.listEngines().map((e) => e.engine_id),
    ...ctx.store.listPending().map((p) => p.engine_id),
    ...ctx.store.listPooled().map((p) => p.engine_id),
  ];
  const ids = owners.filter((id): id is string => !!id && ownerOf(ctx, id) === 'dead');
  return [...new Set(ids)];
}

/** The databases a pending operation may have left half-done. */
function halfDone(ctx: DeletionContext, p: PendingRow): string[] {
  if (p.kind === 'state_build') {
    // The build database, and the state database too if the rename happened but the row did not.
    return ctx.store.getState(p.target_id)
      ? [p.db_name]
      : [p.db_name, ctx.names.state(p.target_id)];
  }
  if (p.kind === 'instance_create') return ctx.store.getInstance(p.target_id) ? [] : [p.db_name];
  return [p.db_name];
}
