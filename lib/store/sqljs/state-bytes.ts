/**
 * The bytes of each image's states as recorded at publish (docs/lifecycle.md, A pass), kept as
 * states come and go: the cache budget's pass after a build asks these, one row per image,
 * before it reads every state. A temporary table filled once from the rows, then kept by
 * temporary triggers, as changed-states.ts keeps its log: derived data stays out of the file
 * and its schema, the first load of a shared replica and a journal's replay at open fire
 * nothing (a replica reloaded later fires them per row, and its sums come out the same), and
 * code that writes states cannot forget to count them. NULL sizes count 0.
 */
export const STATE_BYTES = `
  CREATE TEMP TABLE state_bytes (image_id TEXT PRIMARY KEY, bytes INTEGER NOT NULL) WITHOUT ROWID;
  INSERT INTO temp.state_bytes
    SELECT image_id, COALESCE(SUM(size_bytes), 0) FROM main.states GROUP BY image_id;
  CREATE TEMP TRIGGER state_bytes_insert AFTER INSERT ON main.states BEGIN
    INSERT INTO temp.state_bytes VALUES (NEW.image_id, COALESCE(NEW.size_bytes, 0))
      ON CONFLICT (image_id) DO UPDATE SET bytes = bytes + excluded.bytes;
  END;
  CREATE TEMP TRIGGER state_bytes_delete AFTER DELETE ON main.states BEGIN
    UPDATE temp.state_bytes SET bytes = bytes - COALESCE(OLD.size_bytes, 0)
      WHERE image_id = OLD.image_id;
  END;
  CREATE TEMP TRIGGER state_bytes_update AFTER UPDATE OF image_id, size_bytes ON main.states BEGIN
    UPDATE temp.state_bytes SET bytes = bytes - COALESCE(OLD.size_bytes, 0)
      WHERE image_id = OLD.image_id;
    INSERT INTO temp.state_bytes VALUES (NEW.image_id, COALESCE(NEW.size_bytes, 0))
      ON CONFLICT (image_id) DO UPDATE SET bytes = bytes + excluded.bytes;
  END;
`;
