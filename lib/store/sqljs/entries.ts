import type { Database } from 'sql.js';
import type { InstanceEntry, NameEntry, StateEntry } from '../../schema-types.js';
import type { InstanceFilter, NameFilter, Page, StateFilter, StateRow } from '../types.js';
import { all, type Params, prefixRange, where } from './sql.js';

/** Read queries that shape catalog rows into the API's entries (docs/api.md, schemas/). */

type StateEntryRow = Omit<StateRow, 'resolved_image_id' | 'db_name'> & { refcount: number };

// The entry's columns only: WebAssembly SQLite decodes every column it is asked for, and the
// two a StateEntry leaves out made reading 10,000 states 23 ms instead of 20 (docs/performance.md).
const STATE_SELECT = `SELECT s.state_id, s.parent_state_id, s.image_id, s.prepare_kind,
  s.prepare_args_normalized, s.created_at, s.size_bytes, s.last_used_at,
  (SELECT COUNT(*) FROM ready_instances i WHERE i.state_id = s.state_id) AS refcount
  FROM states s`;

export function stateEntries(db: Database, filter: StateFilter, page: Page): StateEntry[] {
  const [sql, params] = stateListQuery(filter, page);
  return all<StateEntryRow>(db, sql, params).map(toStateEntry);
}

/** The query of a page of state entries, and its parameters. */
export function stateListQuery(filter: StateFilter, page: Page): [string, Params] {
  const [clause, params] = where([
    filter.idPrefix ? prefixRange('s.state_id', filter.idPrefix) : undefined,
    filter.kind ? ['s.prepare_kind = ?', [filter.kind]] : undefined,
    filter.image ? ['s.image_id = ?', [filter.image]] : undefined,
    filter.parentPrefix ? prefixRange('s.parent_state_id', filter.parentPrefix) : undefined,
    // One parameter whatever the number of ids, so the statement is prepared once.
    filter.ids
      ? ['s.state_id IN (SELECT value FROM json_each(?))', [JSON.stringify(filter.ids)]]
      : undefined,
    page.after ? ['s.state_id > ?', [page.after]] : undefined,
  ]);
  return [`${STATE_SELECT} ${clause} ORDER BY s.state_id LIMIT ?`, [...params, page.limit]];
}

export function toStateEntry(row: StateEntryRow): StateEntry {
  const entry: StateEntry = {
    state_id: row.state_id,
    parent_state_id: row.parent_state_id,
    image_id: row.image_id,
    prepare_kind: row.prepare_kind,
    prepare_args_normalized: row.prepare_args_normalized,
    created_at: row.created_at,
    refcount: row.refcount,
  };
  if (row.size_bytes !== null) entry.size_bytes = row.size_bytes;
  if (row.last_used_at !== null) entry.last_used_at = row.last_used_at;
  return entry;
}

interface InstanceEntryRow {
  instance_id: string;
  image_id: string;
  state_id: string;
  dsn: string;
  created_at: string;
  expires_at: string | null;
  name: string | null;
}

const INSTANCE_SELECT = `SELECT i.instance_id, i.image_id, i.state_id, i.dsn, i.created_at,
  i.expires_at, (SELECT MIN(n.name) FROM names n WHERE n.instance_id = i.instance_id) AS name
  FROM ready_instances i`;

export function instanceEntries(
  db: Database,
  filter: InstanceFilter,
  page: Page,
  now: string,
): InstanceEntry[] {
  const [sql, params] = instanceListQuery(filter, page);
  return all<InstanceEntryRow>(db, sql, params).map((r) => toInstanceEntry(r, now));
}

/** The query of a page of instance entries, and its parameters. */
export function instanceListQuery(filter: InstanceFilter, page: Page): [string, Params] {
  const [clause, params] = where([
    filter.idPrefix ? prefixRange('i.instance_id', filter.idPrefix) : undefined,
    filter.statePrefix ? prefixRange('i.state_id', filter.statePrefix) : undefined,
    filter.image ? ['i.image_id = ?', [filter.image]] : undefined,
    filter.ids
      ? ['i.instance_id IN (SELECT value FROM json_each(?))', [JSON.stringify(filter.ids)]]
      : undefined,
    page.after ? ['i.instance_id > ?', [page.after]] : undefined,
  ]);
  return [`${INSTANCE_SELECT} ${clause} ORDER BY i.instance_id LIMIT ?`, [...params, page.limit]];
}

function toInstanceEntry(row: InstanceEntryRow, now: string): InstanceEntry {
  const expired = row.expires_at !== null && row.expires_at <= now;
  const entry: InstanceEntry = {
    instance_id: row.instance_id,
    image_id: row.image_id,
    state_id: row.state_id,
    dsn: row.dsn,
    created_at: row.created_at,
    status: expired ? 'expired' : row.name !== null ? 'active' : 'orphaned',
  };
  if (row.name !== null) entry.name = row.name;
  if (row.expires_at !== null) entry.expires_at = row.expires_at;
  return entry;
}

interface NameEntryRow {
  name: string;
  instance_id: string;
  image_id: string;
  state_id: string;
  last_used_at: string | null;
  present: number;
  expires_at: string | null;
}

// A name bound to an instance still being made is not shown either (it was bound with it).
const NAME_SELECT = `SELECT n.name, n.instance_id, n.image_id, n.state_id, n.last_used_at,
  (i.instance_id IS NOT NULL) AS present, i.expires_at
  FROM names n LEFT JOIN instances i ON i.instance_id = n.instance_id`;
const NAME_SHOWN = `NOT EXISTS (SELECT 1 FROM pending p
  WHERE p.kind = 'instance_create' AND p.target_id = n.instance_id)`;

export function nameEntries(
  db: Database,
  filter: NameFilter,
  page: Page,
  now: string,
): NameEntry[] {
  const [sql, params] = nameListQuery(filter, page);
  return all<NameEntryRow>(db, sql, params).map((r) => toNameEntry(r, now));
}

/** The query of a page of name entries, and its parameters. */
export function nameListQuery(filter: NameFilter, page: Page): [string, Params] {
  const [clause, params] = where([
    [NAME_SHOWN, []],
    filter.instancePrefix ? prefixRange('n.instance_id', filter.instancePrefix) : undefined,
    filter.statePrefix ? prefixRange('n.state_id', filter.statePrefix) : undefined,
    filter.image ? ['n.image_id = ?', [filter.image]] : undefined,
    page.after ? ['n.name > ?', [page.after]] : undefined,
  ]);
  return [`${NAME_SELECT} ${clause} ORDER BY n.name LIMIT ?`, [...params, page.limit]];
}

export function nameEntry(db: Database, name: string, now: string): NameEntry | undefined {
  const rows = all<NameEntryRow>(db, `${NAME_SELECT} WHERE n.name = ? AND ${NAME_SHOWN}`, [name]);
  return rows[0] && toNameEntry(rows[0], now);
}

export function instanceEntry(db: Database, id: string, now: string): InstanceEntry | undefined {
  const rows = all<InstanceEntryRow>(db, `${INSTANCE_SELECT} WHERE i.instance_id = ?`, [id]);
  return rows[0] && toInstanceEntry(rows[0], now);
}

export function stateEntry(db: Database, id: string): StateEntry | undefined {
  const rows = all<StateEntryRow>(db, `${STATE_SELECT} WHERE s.state_id = ?`, [id]);
  return rows[0] && toStateEntry(rows[0]);
}

function toNameEntry(row: NameEntryRow, now: string): NameEntry {
  const expired = row.expires_at !== null && row.expires_at <= now;
  const entry: NameEntry = {
    name: row.name,
    instance_id: row.instance_id,
    image_id: row.image_id,
    state_id: row.state_id,
    status: !row.present ? 'missing' : expired ? 'expired' : 'active',
  };
  if (row.last_used_at !== null) entry.last_used_at = row.last_used_at;
  return entry;
}

export function idsWithPrefix(
  db: Database,
  table: 'states' | 'instances',
  prefix: string,
  limit: number,
) {
  const column = table === 'states' ? 'state_id' : 'instance_id';
  const source = table === 'states' ? 'states' : 'ready_instances';
  const [cond, params]: [string, Params] = prefixRange(column, prefix);
  const rows = all<Record<string, string>>(
    db,
    `SELECT ${column} AS id FROM ${source} WHERE ${cond} ORDER BY ${column} LIMIT ?`,
    [...params, limit],
  );
  return rows.map((r) => r.id as string);
}
