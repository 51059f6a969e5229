import type { Kernel } from '../kernel/kernel.js';

/**
 * What deletion asks of the prepare jobs (lib/prepare/jobs/job-manager.ts has these methods):
 * a job's delete, and the jobs whose work reconciliation must leave alone.
 */
export interface JobControl {
  get(jobId: string): { readonly finished: boolean } | undefined;
  /** Cancels and resolves once the job has ended. */
  cancel(jobId: string): Promise<void>;
  /** Forgets a finished job. */
  remove(jobId: string): boolean;
  /** Jobs not finished yet: their pending records are theirs, not half-done work. */
  activeJobIds(): Set<string>;
}

/** Warm copies of states that prepare keeps (lib/prepare/hand-out/warm-pool.ts). */
export interface WarmCopies {
  /** Drops every copy of a state about to be deleted and stops refilling it. */
  drain(stateId: string): Promise<void>;
  /** The copy being made right now, which reconciliation leaves alone. */
  inProgress(): string[];
}

/** Instance names prepare records ahead (lib/prepare/records/reservations.ts). */
export interface HeldReservations {
  /** The state is being deleted: its reserved name goes. */
  forget(stateId: string): void;
  /** Op ids of held reservations: reconciliation leaves their records alone. */
  opIds(): Set<string>;
}

/**
 * What a delete and a reconciliation work with: the kernel, and what prepare holds of the
 * states they remove (each absent when prepare keeps none).
 */
export interface DeletionContext extends Kernel {
  warmPool?: WarmCopies;
  reservations?: HeldReservations;
}
