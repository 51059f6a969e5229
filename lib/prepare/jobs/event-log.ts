import type { JobEvent } from '../../schema-types.js';

/** Events a job keeps from its start (docs/prepare.md, "Events"). */
export const EVENTS_HEAD = 256;
/** Events a job keeps from its end: the latest ones, the terminal events among them. */
export const EVENTS_TAIL = 256;

/**
 * A job's event log, bounded: the first EVENTS_HEAD events and the latest EVENTS_TAIL are
 * kept, the ones in between are let go as newer ones come (a long step's heartbeats and log
 * lines). Every event keeps the index it was given, so `since` means the same whatever was let
 * go; a read from an index that was let go starts at the next event kept.
 */
export class EventLog {
  private readonly head: JobEvent[] = [];
  private tail: JobEvent[] = [];
  private count = 0;

  constructor(
    private readonly headSize = EVENTS_HEAD,
    private readonly tailSize = EVENTS_TAIL,
  ) {}

  /** How many events were ever appended: the index the next one gets. */
  get length(): number {
    return this.count;
  }

  push(event: JobEvent): void {
    this.count++;
    if (this.head.length < this.headSize) {
      this.head.push(event);
      return;
    }
    this.tail.push(event);
    // Trimmed in batches, so a long log costs no copy per event.
    if (this.tail.length >= this.tailSize * 2) this.tail = this.tail.slice(-this.tailSize);
  }

  last(): JobEvent | undefined {
    return this.tail.at(-1) ?? this.head.at(-1);
  }

  /** The kept events whose index is `since` or later, in order. */
  from(since: number): JobEvent[] {
    const tail = this.tail.slice(-this.tailSize);
    const tailStart = this.count - tail.length;
    const fromHead = since < this.head.length ? this.head.slice(since) : [];
    return fromHead.concat(tail.slice(Math.max(0, since - tailStart)));
  }
}
