import type { Database } from 'sql.js';
import { all } from './sql.js';

/**
 * Which instances' listing entries each commit changed, for patching a kept instance listing
 * row by row (runtime/edge/listing/list-cache.ts), as changed-states.ts does for states. An
 * instance's entry is its own row, its name (the first of the names bound to it) and whether
 * an instance_create record still hides it (the ready_instances view); temporary triggers on
 * those three tables note its id, inside the writing transaction. A name is bound with INSERT
 * OR REPLACE, whose delete fires no delete trigger (recursive triggers are off): the instance
 * a name leaves is noted before the insert.
 */
export const INSTANCE_TRIGGERS = `
  CREATE TEMP TABLE changed_instances (instance_id TEXT PRIMARY KEY) WITHOUT ROWID;
  ${idTriggers('instances', 'instance_row')}
  ${idTriggers('names', 'instance_name')}
  CREATE TEMP TRIGGER changed_instance_name_replace BEFORE INSERT ON main.names BEGIN
    INSERT OR IGNORE INTO changed_instances
      SELECT instance_id FROM main.names WHERE name = NEW.name; END;
  CREATE TEMP TRIGGER changed_instance_record_insert AFTER INSERT ON main.pending
    WHEN NEW.kind = 'instance_create' BEGIN
    INSERT OR IGNORE INTO changed_instances VALUES (NEW.target_id); END;
  CREATE TEMP TRIGGER changed_instance_record_update AFTER UPDATE ON main.pending
    WHEN OLD.kind = 'instance_create' OR NEW.kind = 'instance_create' BEGIN
    INSERT OR IGNORE INTO changed_instances
      SELECT OLD.target_id WHERE OLD.kind = 'instance_create'
      UNION SELECT NEW.target_id WHERE NEW.kind = 'instance_create'; END;
  CREATE TEMP TRIGGER changed_instance_record_delete AFTER DELETE ON main.pending
    WHEN OLD.kind = 'instance_create' BEGIN
    INSERT OR IGNORE INTO changed_instances VALUES (OLD.target_id); END;
`;

/** A row of `table` carries the instance id of the entry it belongs to: note it on any change. */
function idTriggers(table: 'instances' | 'names', name: string): string {
  return `
  CREATE TEMP TRIGGER changed_${name}_insert AFTER INSERT ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_instances VALUES (NEW.instance_id); END;
  CREATE TEMP TRIGGER changed_${name}_update AFTER UPDATE ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_instances VALUES (OLD.instance_id), (NEW.instance_id); END;
  CREATE TEMP TRIGGER changed_${name}_delete AFTER DELETE ON main.${table} BEGIN
    INSERT OR IGNORE INTO changed_instances VALUES (OLD.instance_id); END;`;
}

/**
 * Instances whose expiry lies in (`after`, `through`] (ISO times), at most `limit` of them:
 * their entries' status turned (or, with the clock set back, turned back) between the two
 * times. One range of instances_expires, whatever the catalog's size.
 */
export function instancesExpiringBetween(
  db: Database,
  after: string,
  through: string,
  limit: number,
): string[] {
  return all<{ instance_id: string }>(
    db,
    'SELECT instance_id FROM instances WHERE expires_at > ? AND expires_at <= ? LIMIT ?',
    [after, through, limit],
  ).map((r) => r.instance_id);
}
