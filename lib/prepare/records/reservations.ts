import { newInstanceId, randomHex } from '../../id.js';
import type { Kernel } from '../../kernel/kernel.js';
import type { StoreWriter } from '../../store/types.js';

/**
 * The next instance of a state, recorded ahead: its instance_create record is durable, with no
 * job, no row and no database yet.
 */
export interface Reservation {
  stateId: string;
  imageId: string;
  instanceId: string;
  db: string;
  opId: string;
}

/** Held reservations beyond this many are released, least recently used first. */
export const MAX_RESERVATIONS = 32;

/**
 * Instance names recorded ahead (docs/performance.md). Every database is recorded before it is
 * created, and every change flushed before its request is answered (docs/catalog.md): a prepare
 * that records its instance first would wait for one flush and then for the clone. A job
 * that makes an instance of a state records, in the write it makes anyway, the name of that
 * state's next instance; the next prepare of the state takes that durable record, so its own
 * write (the instance row) is flushed while the server clones or renames, not before.
 *
 * A reservation costs one pending row; it never becomes a database unless a job takes it.
 * Reconciliation leaves held reservations alone and, after a crash, removes them like any record
 * whose database does not exist.
 */
export class Reservations {
  /** By state id, least recently used first. */
  private readonly held = new Map<string, Reservation>();
  /** Every reservation ever passed to `hold`: one is held at most once, never after a take. */
  private readonly seen = new WeakSet<Reservation>();
  private closed = false;

  constructor(
    private readonly kernel: Pick<Kernel, 'store' | 'names' | 'engineId'>,
    private readonly max = MAX_RESERVATIONS,
  ) {}

  has(stateId: string): boolean {
    return this.held.has(stateId);
  }

  /**
   * Takes the state's reservation, if one is held. The caller's next write claims its record
   * (`claimPending`), so reconciliation sees it as the job's.
   */
  take(stateId: string): Reservation | undefined {
    const r = this.held.get(stateId);
    this.held.delete(stateId);
    return r;
  }

  /**
   * In the caller's write: records the state's next instance, unless one is held already.
   * Pass the result to `hold` once that write is durable.
   */
  record(
    w: StoreWriter,
    target: { stateId: string; imageId: string },
    at: string,
  ): Reservation | undefined {
    if (this.closed || this.held.has(target.stateId)) return undefined;
    const instanceId = newInstanceId();
    const r = {
      ...target,
      instanceId,
      db: this.kernel.names.instance(instanceId),
      opId: randomHex(8),
    };
    w.addPending({
      op_id: r.opId,
      kind: 'instance_create',
      image_id: r.imageId,
      db_name: r.db,
      target_id: instanceId,
      job_id: null,
      created_at: at,
      engine_id: this.kernel.engineId,
    });
    return r;
  }

  /**
   * A recorded reservation whose write is durable: the next prepare of its state may take it.
   * Holding one again is a no-op.
   */
  hold(r: Reservation | undefined): void {
    if (!r || this.seen.has(r)) return;
    this.seen.add(r);
    if (this.closed || this.held.has(r.stateId)) {
      this.release([r]);
      return;
    }
    this.held.set(r.stateId, r);
    if (this.held.size > this.max) this.forget(this.held.keys().next().value as string);
  }

  /** Op ids of held reservations: reconciliation leaves their records alone. */
  opIds(): Set<string> {
    return new Set([...this.held.values()].map((r) => r.opId));
  }

  /** The state is being deleted (or the reservation evicted): its record goes. */
  forget(stateId: string): void {
    const r = this.take(stateId);
    if (r) this.release([r]);
  }

  /** Releases every reservation; the store's close makes that durable. */
  close(): void {
    this.closed = true;
    this.release([...this.held.values()]);
    this.held.clear();
  }

  /**
   * Without a flush of its own: a record whose database was never made is harmless, and
   * reconciliation removes it if a crash comes first (or the catalog is closed already).
   */
  private release(rs: Reservation[]): void {
    if (rs.length === 0) return;
    try {
      this.kernel.store.commit((w) => {
        for (const r of rs) w.removePending(r.opId);
      });
    } catch {
      // The catalog closed under a job that ended late: the records wait for reconciliation.
    }
  }
}
