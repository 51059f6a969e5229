import type { Database } from 'sql.js';
import { INSTANCE_TRIGGERS } from './changed-instances.js';
import { all, run } from './sql.js';

/**
 * Which states' listing entries each commit changed, so a kept state listing can be patched
 * row by row instead of rendered again (runtime/edge/listing/kept-listing.ts): every prepare touches its
 * state's row, and rendering 10,000 entries from sql.js takes 40 times longer than sending
 * them.
 *
 * Temporary triggers note the state id of every change that can alter a state's entry: its
 * own row, its instances (refcount) and the instance_create records that hide an instance
 * until its database exists (the ready_instances view). Being temporary they are part of this
 * connection only, never of the exported file; being inside the transaction, a rolled back
 * write notes nothing. Code that writes the catalog cannot forget to report a change.
 */

/** A row of `table` carries the state id of the entry it belongs to: note it on any change. */
const rowTriggers = (table: 'states' | 'instances') => `
  CREATE TEMP TRIGGER changed_${table}_insert AFTER INSERT ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_states VALUES (NEW.state_id); END;
  CREATE TEMP TRIGGER changed_${table}_update AFTER UPDATE ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_states VALUES (OLD.state_id), (NEW.state_id); END;
  CREATE TEMP TRIGGER changed_${table}_delete AFTER DELETE ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_states VALUES (OLD.state_id); END;`;

// A pending record's target may be an instance (instance_create): note that instance's state.
const TRIGGERS = `
  CREATE TEMP TABLE changed_states (state_id TEXT PRIMARY KEY) WITHOUT ROWID;
  ${rowTriggers('states')}
  ${rowTriggers('instances')}
  CREATE TEMP TRIGGER changed_record_insert AFTER INSERT ON main.pending BEGIN
    INSERT OR IGNORE INTO changed_states
      SELECT state_id FROM main.instances WHERE instance_id = NEW.target_id; END;
  CREATE TEMP TRIGGER changed_record_update AFTER UPDATE ON main.pending BEGIN
    INSERT OR IGNORE INTO changed_states
      SELECT state_id FROM main.instances WHERE instance_id IN (OLD.target_id, NEW.target_id);
    END;
  CREATE TEMP TRIGGER changed_record_delete AFTER DELETE ON main.pending BEGIN
    INSERT OR IGNORE INTO changed_states
      SELECT state_id FROM main.instances WHERE instance_id = OLD.target_id; END;
`;

/** How far back a log reaches: a listing older than this is rendered again, not patched. */
const MAX_GENERATIONS = 1024;
const MAX_IDS = 16_384;

/**
 * The changed states, and the changed instances (changed-instances.ts), of the commits since
 * tracking began, each read from its temporary table before the commit ends.
 */
export class ChangedStates {
  private readonly states: ChangeLog;
  private readonly instances: ChangeLog;

  constructor(db: Database, generation: number) {
    db.exec(TRIGGERS);
    db.exec(INSTANCE_TRIGGERS);
    this.states = new ChangeLog(db, 'changed_states', 'state_id', generation);
    this.instances = new ChangeLog(db, 'changed_instances', 'instance_id', generation);
  }

  /** Inside the writing transaction, before it commits: what it changed becomes `generation`'s. */
  collect(generation: number): void {
    this.states.collect(generation);
    this.instances.collect(generation);
  }

  /** States whose entries changed after generation `since`; undefined once that is forgotten. */
  since(since: number): Set<string> | undefined {
    return this.states.since(since);
  }

  /** Instances whose entries changed after generation `since`; undefined once forgotten. */
  instancesSince(since: number): Set<string> | undefined {
    return this.instances.since(since);
  }
}

/** The ids a temporary table noted, by generation, as far back as the bounds above allow. */
class ChangeLog {
  /** Changes of the generations after `floor`, oldest first. */
  private readonly log: Array<{ generation: number; ids: string[] }> = [];
  private ids = 0;

  constructor(
    private readonly db: Database,
    private readonly table: 'changed_states' | 'changed_instances',
    private readonly column: 'state_id' | 'instance_id',
    private floor: number,
  ) {}

  collect(generation: number): void {
    const rows = all<Record<string, string>>(this.db, `SELECT ${this.column} FROM ${this.table}`);
    if (rows.length === 0) return;
    run(this.db, `DELETE FROM ${this.table}`);
    this.log.push({ generation, ids: rows.map((r) => r[this.column] as string) });
    this.ids += rows.length;
    while (this.log.length > MAX_GENERATIONS || this.ids > MAX_IDS) {
      const dropped = this.log.shift() as { generation: number; ids: string[] };
      this.ids -= dropped.ids.length;
      this.floor = dropped.generation;
    }
  }

  since(since: number): Set<string> | undefined {
    if (since < this.floor) return undefined;
    const changed = new Set<string>();
    for (let i = this.log.length - 1; i >= 0; i--) {
      const entry = this.log[i] as { generation: number; ids: string[] };
      if (entry.generation <= since) break;
      for (const id of entry.ids) changed.add(id);
    }
    return changed;
  }
}
