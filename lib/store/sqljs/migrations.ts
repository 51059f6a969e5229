/**
 * Forward-only schema migrations. MIGRATIONS[i] takes a catalog from version i to i + 1; the
 * current version is MIGRATIONS.length. A catalog newer than this code is refused at open.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE states (
    state_id TEXT PRIMARY KEY,
    parent_state_id TEXT,
    image_id TEXT NOT NULL,
    resolved_image_id TEXT NOT NULL,
    prepare_kind TEXT NOT NULL,
    prepare_args_normalized TEXT NOT NULL,
    db_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    size_bytes INTEGER,
    last_used_at TEXT
  );
  CREATE INDEX states_parent ON states(parent_state_id);
  CREATE TABLE instances (
    instance_id TEXT PRIMARY KEY,
    image_id TEXT NOT NULL,
    state_id TEXT NOT NULL,
    db_name TEXT NOT NULL,
    dsn TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT
  );
  CREATE INDEX instances_state ON instances(state_id);
  CREATE TABLE names (
    name TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL,
    image_id TEXT NOT NULL,
    state_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
  );
  CREATE INDEX names_instance ON names(instance_id);
  CREATE TABLE pending (
    op_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    image_id TEXT NOT NULL,
    db_name TEXT NOT NULL,
    target_id TEXT NOT NULL,
    job_id TEXT,
    created_at TEXT NOT NULL
  );
  `,
  // v2: the warm pool (docs/performance.md): pre-cloned copies of a state waiting to be handed out.
  `
  CREATE TABLE pool (
    db_name TEXT PRIMARY KEY,
    state_id TEXT NOT NULL,
    image_id TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX pool_state ON pool(state_id);
  `,
  // v3: state listings filtered by image read only that image's rows in key order. Without it
  // SQLite walked every state to find them: 10,000 of 40,000 states took 60 ms, against 27
  // with it (WebAssembly SQLite reads a row in 1.5-2 us).
  `
  CREATE INDEX states_image ON states(image_id, state_id);
  `,
  // v4: build_role restricted (docs/architecture.md): a warm copy is made for one way of
  // access, and a copy of a state carries the password of the login it was made with.
  `
  ALTER TABLE pool ADD COLUMN access TEXT NOT NULL DEFAULT 'admin';
  ALTER TABLE pool ADD COLUMN password TEXT;
  `,
  // v5: a drop record says why it drops (docs/deletion.md): what a failed build left is never
  // dropped once the catalog records its database as a live state or instance.
  `
  ALTER TABLE pending ADD COLUMN reason TEXT;
  `,
  // v6: instances expire (docs/lifecycle.md). An instance with idle_ttl_seconds expires that
  // long after its last use (last_used_at), and expires_at is kept equal to it, so entries and
  // the reaper read one column for "expired", whatever kind of expiry the instance has.
  `
  ALTER TABLE instances ADD COLUMN idle_ttl_seconds INTEGER;
  ALTER TABLE instances ADD COLUMN last_used_at TEXT;
  `,
  // v7: no read a request makes walks a table that grows with the catalog (docs/catalog.md,
  // Indexes). pending_target: every shown instance asks whether its instance_create record is
  // pending (the ready_instances view, a name's entry): without it, each instance read scanned
  // the pending table. instances_image, names_image: listings filtered by image read that
  // image's rows in key order (and instance counts per image read the index alone).
  // names_state: names filtered by state.
  `
  CREATE INDEX pending_target ON pending(target_id);
  CREATE INDEX instances_image ON instances(image_id, instance_id);
  CREATE INDEX names_image ON names(image_id, name);
  CREATE INDEX names_state ON names(state_id);
  `,
  // v8: the passes that run beside requests read only what they act on (docs/catalog.md,
  // Indexes). instances_expires: the reaper reads the instances due by a time, a range of it
  // (a sliding expiry is kept in expires_at too). instances_sliding: the first pass after a
  // start reads every sliding instance, and only those. states_db, instances_db: whether the
  // catalog records a database as live is a point lookup (leftover drop records); without
  // them it read every database the catalog knows, once per record resolved. instances_state
  // gains instance_id: a state's refcount counts its shown instances, each checked for a
  // pending record by id, and with the id in the index the count reads no instance row (a state
  // listing's row 4 us of CPU instead of 6, at 20,000 states).
  `
  DROP INDEX instances_state;
  CREATE INDEX instances_state ON instances(state_id, instance_id);
  CREATE INDEX instances_expires ON instances(expires_at);
  CREATE INDEX instances_sliding ON instances(idle_ttl_seconds) WHERE idle_ttl_seconds > 0;
  CREATE INDEX states_db ON states(db_name);
  CREATE INDEX instances_db ON instances(db_name);
  `,
  // v9: engines that share a catalog (docs/scaling.md): each keeps a lease in `engines`, and
  // the pending records and warm copies it makes carry its id, so that another engine judges
  // them only once their owner's lease lapsed. Older rows have none: their owner is dead.
  `
  CREATE TABLE engines (
    engine_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    lease_expires_at TEXT NOT NULL
  );
  ALTER TABLE pending ADD COLUMN engine_id TEXT;
  ALTER TABLE pool ADD COLUMN engine_id TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
