/**
 * The queries of the passes that run beside requests (the cache budget's, the reaper's, the
 * leftover drop records'): each reads only what it acts on, through the indexes of schema
 * version 8 (docs/catalog.md, Indexes), and test/lib/store/sqljs/passes.test.ts checks their
 * query plans.
 */

// The cache budget's pass, a page of states in key order (docs/lifecycle.md, A pass).
export const STATE_HOLDS_PAGE = `SELECT s.state_id, s.parent_state_id, s.image_id, s.db_name,
    s.size_bytes, s.created_at, s.last_used_at,
    (SELECT COUNT(*) FROM instances i WHERE i.state_id = s.state_id) AS instances,
    (SELECT COUNT(*) FROM states c WHERE c.parent_state_id = s.state_id) AS children
  FROM states s WHERE s.state_id > ? ORDER BY s.state_id LIMIT ?`;

// The bytes recorded per image (docs/lifecycle.md, A pass): state_bytes (state-bytes.ts) holds
// one row per image; warm copies are few (the pool's size), each at its state's size.
export const RECORDED_BYTES = `SELECT image_id, SUM(bytes) AS bytes FROM (
    SELECT image_id, bytes FROM state_bytes
    UNION ALL SELECT p.image_id, COALESCE(s.size_bytes, 0) FROM pool p
      LEFT JOIN states s ON s.state_id = p.state_id
  ) GROUP BY image_id`;

// The reaper's candidates (docs/lifecycle.md, The reaper). A sliding expiry is kept in
// expires_at too, so the instances due by the next pass are one range of instances_expires;
// every sliding one (the first pass after a start) is instances_sliding, a partial index,
// joined by a multi-index OR (`> 0`, not `IS NOT NULL`, which no index serves there; a sliding
// period is a whole number of seconds, at least one). `+instance_id`: sorting the few
// candidates, rather than walking the key in order and filtering every row.
const EXPIRY_COLUMNS = 'instance_id, image_id, db_name, expires_at, idle_ttl_seconds';
export const EXPIRY_ALL_SLIDING = `SELECT ${EXPIRY_COLUMNS} FROM ready_instances
  WHERE expires_at <= ?1 OR idle_ttl_seconds > 0 ORDER BY +instance_id`;
export const EXPIRY_DUE_BY = `SELECT ${EXPIRY_COLUMNS} FROM ready_instances
  WHERE expires_at <= ?2 AND (expires_at <= ?1 OR idle_ttl_seconds > 0) ORDER BY +instance_id`;

// Point lookups through states_db, instances_db and pool's key (leftover drop records).
export const DATABASE_RECORDED = `SELECT 1 FROM states WHERE db_name = ?1
  UNION ALL SELECT 1 FROM instances WHERE db_name = ?1
  UNION ALL SELECT 1 FROM pool WHERE db_name = ?1 LIMIT 1`;
