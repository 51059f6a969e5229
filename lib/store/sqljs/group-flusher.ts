/**
 * Coalesces durable flushes: every caller of `flush()` waits for a flush that started after its
 * change was committed, and changes that arrive together share one flush (docs/catalog.md).
 *
 * `snapshot` must capture the data synchronously; `persist` writes that capture to disk.
 */
export class GroupFlusher<S> {
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly snapshot: () => S,
    private readonly persist: (data: S) => Promise<void>,
  ) {}

  async flush(): Promise<void> {
    const ticket = ++this.requested;
    while (this.completed < ticket) {
      if (!this.running) {
        this.running = this.runOnce().finally(() => {
          this.running = null;
        });
      }
      await this.running;
    }
  }

  /** Waits for any flush in progress; used on close. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  private async runOnce(): Promise<void> {
    // Writes made in the same turn join this flush; later ones wait for it and share the
    // next. (A macrotask of grace here cost 1-3 ms per write under load: bench/prepare-*.)
    await Promise.resolve();
    const covered = this.requested;
    const data = this.snapshot();
    await this.persist(data);
    this.completed = covered;
  }
}
