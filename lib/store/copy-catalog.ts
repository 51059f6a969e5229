import type { InstanceRow, NameRow, StateRow, Store, StoreWriter } from './types.js';

/**
 * Copying one catalog's states, instances and names into another (`sqlrs catalog copy`,
 * docs/scaling.md, "Moving an embedded catalog"). Pending records, warm-pool rows and jobs
 * stay behind: they describe work of the engine that owned the source, which is not running.
 */

export interface CopyCounts {
  states: number;
  instances: number;
  names: number;
}

export interface CopyReport {
  /** Rows written into the target. */
  copied: CopyCounts;
  /** Rows whose key the target already had: left as the target has them. */
  skipped: CopyCounts;
  /**
   * Rows left behind because an unfinished operation names them (an instance being made, a
   * state or instance being deleted), with what stands on them: the source's engine settles
   * those when it next starts.
   */
  unfinished: CopyCounts;
}

export type CopyItem =
  | { kind: 'states'; row: StateRow }
  | { kind: 'instances'; row: InstanceRow }
  | { kind: 'names'; row: NameRow };

const PAGE = 5000;
const HELD = -2;
export const COPY_BATCH = 1000;

const zero = (): CopyCounts => ({ states: 0, instances: 0, names: 0 });

/** Every row of a keyset-paged listing, page by page. */
function* paged<T>(read: (after: string) => T[], key: (row: T) => string): Generator<T> {
  for (let after = ''; ; ) {
    const page = read(after);
    yield* page;
    if (page.length < PAGE) return;
    after = key(page.at(-1) as T);
  }
}

/**
 * Each state's depth (0 for a root), or HELD for a state that is busy or whose parent is
 * missing or held back: it would dangle. Iterative: a chain of thousands of migrations must
 * not overflow the stack.
 */
function depths(parents: Map<string, string | null>, busy: Set<string>): Map<string, number> {
  const depth = new Map<string, number>();
  for (const id of parents.keys()) {
    const chain: string[] = [];
    let at: string | null = id;
    let d = -1; // above a root
    while (at !== null) {
      const known = depth.get(at);
      if (known !== undefined) {
        d = known;
        break;
      }
      if (!parents.has(at) || chain.length > parents.size) {
        d = HELD;
        break;
      }
      chain.push(at);
      at = parents.get(at) as string | null;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i] as string;
      d = d === HELD || busy.has(s) ? HELD : d + 1;
      depth.set(s, d);
    }
  }
  return depth;
}

/**
 * The source's rows in the order they can be written: every state after its parent, then the
 * instances, then the names. Rows an unfinished operation names are left out and counted.
 */
export function rowsToCopy(source: Store): { items: CopyItem[]; unfinished: CopyCounts } {
  const unfinished = zero();
  // A leftover drop or a taken warm copy concerns another database than its target's row.
  const busy = new Set(
    source
      .listPending()
      .filter((p) => p.reason !== 'leftover' && p.reason !== 'taken')
      .map((p) => p.target_id),
  );
  const parents = new Map<string, string | null>();
  const holds = paged(
    (after) => source.stateHoldsPage({ after, limit: PAGE }),
    (s) => s.state_id,
  );
  for (const s of holds) parents.set(s.state_id, s.parent_state_id);
  const depth = depths(parents, busy);
  const states: Array<{ row: StateRow; depth: number }> = [];
  for (const [id, d] of depth) {
    if (d === HELD) unfinished.states++;
    else states.push({ row: source.getState(id) as StateRow, depth: d });
  }
  states.sort((a, b) => a.depth - b.depth);
  const items: CopyItem[] = states.map((s) => ({ kind: 'states', row: s.row }));
  const copiedInstances = new Set<string>();
  // Every instance row, those being made too (listings hide them): one query.
  const instances = source.catalogDatabases().filter((d) => d.kind === 'instance');
  for (const e of instances) {
    const row = source.getInstance(e.id) as InstanceRow;
    if (busy.has(row.instance_id) || (depth.get(row.state_id) ?? HELD) === HELD) {
      unfinished.instances++;
      continue;
    }
    items.push({ kind: 'instances', row });
    copiedInstances.add(row.instance_id);
  }
  // Names bound to an instance being made are not listed: they stay with it.
  const names = paged(
    (after) => source.listNames({}, { after, limit: PAGE }),
    (e) => e.name,
  );
  for (const e of names) {
    const row = source.getName(e.name) as NameRow;
    if (!copiedInstances.has(row.instance_id)) unfinished.names++;
    else items.push({ kind: 'names', row });
  }
  return { items, unfinished };
}

/** Whether the target has a row of the item's key (read in the write, so current). */
function present(target: Store, item: CopyItem): boolean {
  if (item.kind === 'states') return target.getState(item.row.state_id) !== undefined;
  if (item.kind === 'instances') return target.getInstance(item.row.instance_id) !== undefined;
  return target.getName(item.row.name) !== undefined;
}

function insert(w: StoreWriter, item: CopyItem): void {
  if (item.kind === 'states') w.insertState(item.row);
  else if (item.kind === 'instances') w.insertInstance(item.row);
  else w.putName(item.row);
}

/**
 * Writes `items` into `target`, `batch` rows per write (one transaction each), skipping every
 * key the target already has: running it again copies nothing. `onProgress` is told the rows
 * done after each write.
 */
export async function copyRows(
  target: Store,
  items: CopyItem[],
  opts: { batch?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ copied: CopyCounts; skipped: CopyCounts }> {
  const batch = opts.batch ?? COPY_BATCH;
  const copied = zero();
  const skipped = zero();
  for (let i = 0; i < items.length; i += batch) {
    const slice = items.slice(i, i + batch);
    // Counted inside the write: a shared catalog may run the function again on a fresh replica.
    const counts = await target.write((w) => {
      const c = zero();
      const s = zero();
      for (const item of slice) {
        if (present(target, item)) s[item.kind]++;
        else {
          insert(w, item);
          c[item.kind]++;
        }
      }
      return { c, s };
    });
    for (const k of ['states', 'instances', 'names'] as const) {
      copied[k] += counts.c[k];
      skipped[k] += counts.s[k];
    }
    opts.onProgress?.(i + slice.length, items.length);
  }
  return { copied, skipped };
}
