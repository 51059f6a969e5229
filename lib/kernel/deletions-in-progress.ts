/**
 * States a delete is removing now (docs/deletion.md). A delete plans from the catalog, then drops
 * databases for a while; a job that finishes a step built on one of these states, or a copy of
 * one, meanwhile would add a child or an instance the plan never saw, left behind with its
 * parent gone. Such a job waits the delete out, then looks at the catalog again in the same
 * turn as its own commit (lib/prepare/build/deleted-meanwhile.ts).
 */
export class DeletionsInProgress {
  private readonly active = new Map<string, Set<Promise<void>>>();

  /** Marks the states as being deleted until the returned function is called. */
  begin(stateIds: string[]): () => void {
    let end = () => {};
    const done = new Promise<void>((resolve) => {
      end = resolve;
    });
    for (const id of stateIds) {
      const set = this.active.get(id) ?? new Set();
      set.add(done);
      this.active.set(id, set);
    }
    return () => {
      for (const id of stateIds) {
        const set = this.active.get(id);
        set?.delete(done);
        if (set?.size === 0) this.active.delete(id);
      }
      end();
    };
  }

  /** Resolves once no delete of the state is in progress (at once when none is). */
  async settled(stateId: string | null): Promise<void> {
    let set = stateId === null ? undefined : this.active.get(stateId);
    while (set) {
      await Promise.all(set);
      set = this.active.get(stateId as string);
    }
  }

  busy(stateId: string): boolean {
    return this.active.has(stateId);
  }
}
