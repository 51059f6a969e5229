import type { PooledRow, StateHoldRow } from '../store/types.js';

/** What a pass may evict, in the order it evicts it (docs/lifecycle.md). */
export interface VictimRules {
  now: number;
  /** A state used this recently (ms) stays. */
  minAgeMs: number;
  sizeOf(db: string): number;
}

const usedAt = (s: StateHoldRow) => s.last_used_at ?? s.created_at;

/**
 * The evictable states of one server, least recently used first, kept in memory for one pass:
 * the catalog is read once per pass, and a parent joins the candidates when its last child
 * goes. Held states (instances, children, a job that needs them, used recently) are not
 * candidates; whether a job needs one is asked at each pick, since jobs come and go.
 */
export class Victims {
  private readonly byId = new Map<string, StateHoldRow>();
  /** Candidates sorted by last use (then id), oldest last: popped from the end. */
  private readonly order: StateHoldRow[] = [];
  private readonly cutoff: string;

  constructor(
    states: StateHoldRow[],
    private readonly rules: VictimRules,
  ) {
    this.cutoff = new Date(rules.now - rules.minAgeMs).toISOString();
    for (const s of states) this.byId.set(s.state_id, { ...s });
    for (const s of this.byId.values()) if (this.free(s)) this.order.push(s);
    this.order.sort((a, b) => compare(b, a));
  }

  /** The copies to drop first: an image's empty base before copies of states, oldest use first. */
  copyOrder(copies: PooledRow[]): PooledRow[] {
    const rank = (c: PooledRow) => {
      const s = this.byId.get(c.state_id);
      return `${c.state_id.startsWith('base:') ? 0 : 1}${s ? usedAt(s) : ''}${c.created_at}`;
    };
    return [...copies].sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
  }

  /** The least recently used state nobody holds, or undefined; `needed` skips (and keeps) it. */
  next(needed: (s: StateHoldRow) => boolean): StateHoldRow | undefined {
    for (let i = this.order.length - 1; i >= 0; i--) {
      const s = this.order[i] as StateHoldRow;
      if (!needed(s)) {
        this.order.splice(i, 1);
        return s;
      }
    }
    return undefined;
  }

  /** The state went: its parent may now be a candidate. */
  gone(s: StateHoldRow): void {
    this.byId.delete(s.state_id);
    const parent = s.parent_state_id === null ? undefined : this.byId.get(s.parent_state_id);
    if (!parent) return;
    parent.children--;
    if (this.free(parent)) this.insert(parent);
  }

  bytes(s: StateHoldRow): number {
    return this.rules.sizeOf(s.db_name);
  }

  private free(s: StateHoldRow): boolean {
    return s.instances === 0 && s.children <= 0 && usedAt(s) <= this.cutoff;
  }

  private insert(s: StateHoldRow): void {
    // Binary search in the descending order: keeps a pass O(n log n) over many states.
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(this.order[mid] as StateHoldRow, s) > 0) lo = mid + 1;
      else hi = mid;
    }
    this.order.splice(lo, 0, s);
  }
}

function compare(a: StateHoldRow, b: StateHoldRow): number {
  const x = usedAt(a);
  const y = usedAt(b);
  if (x !== y) return x < y ? -1 : 1;
  return a.state_id < b.state_id ? -1 : a.state_id > b.state_id ? 1 : 0;
}
