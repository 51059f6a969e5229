import { assertOwnName } from '../names.js';

type Query = (sql: string, params?: unknown[]) => Promise<{ rows: Array<Record<string, unknown>> }>;

/**
 * Settings a step gave its database (`ALTER DATABASE ... SET search_path = app, public`, or
 * `ALTER ROLE r IN DATABASE ... SET ...`) live in pg_db_role_setting, which
 * `CREATE DATABASE ... TEMPLATE` does not copy: an instance came without them and a later
 * step was built without them. So after a clone they are copied from the template, on the
 * server, by a DO block that reads them there (no value passes through the engine or is
 * written into SQL by it; the two database names are the engine's own).
 *
 * Whether a template has any is asked once per template and remembered (a state never
 * changes), or told when the engine publishes it: a template without settings costs nothing
 * after that.
 *
 * Under build_role restricted only database-wide settings are copied: those only the engine's
 * own role can make (it owns every database), while any role may give itself settings in any
 * database (`ALTER ROLE CURRENT_USER IN DATABASE ... SET`), and those are what the copy, run
 * with the engine's credentials, must never take from a caller (docs/security.md).
 */
export class DbSettings {
  private readonly known = new Map<string, boolean>();

  constructor(
    private readonly q: Query,
    private readonly scope: SettingsScope = 'all',
  ) {}

  /** Copies the settings of `from` (a template just cloned) to `to`, if it has any. */
  async copy(from: string, to: string): Promise<void> {
    if (!(await this.has(from))) return;
    await this.q(copySettingsSql(from, to, this.scope));
  }

  /** What publishing a state found out about it (server.ts asks in the same round trip). */
  remember(db: string, has: boolean): void {
    this.known.set(db, has);
  }

  private async has(db: string): Promise<boolean> {
    const cached = this.known.get(db);
    if (cached !== undefined) return cached;
    const { rows } = await this.q(`SELECT ${hasSettingsSql(db, this.scope)} AS has`);
    const has = rows[0]?.has === true;
    this.known.set(db, has);
    return has;
  }
}

/** `all`: database-wide and per-role settings; `database`: database-wide ones only. */
export type SettingsScope = 'all' | 'database';

const scopeSql = (scope: SettingsScope) => (scope === 'database' ? ' AND s.setrole = 0' : '');

/** Whether one of the engine's own databases has settings, as an SQL expression. */
export function hasSettingsSql(db: string, scope: SettingsScope = 'all'): string {
  return `EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = '${assertOwnName(db)}'${scopeSql(scope)})`;
}

/**
 * A list value as PostgreSQL stores one it flattened: identifiers, each plain or in double
 * quotes, separated by commas. `SET ... FROM CURRENT` stores whatever `set_config` was given,
 * so a stored list may hold anything; only this shape is given back as SQL text.
 */
const LIST_VALUE = String.raw`^\s*("([^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)(\s*,\s*("([^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*))*\s*$`;

/**
 * Settings are stored as `name=value`, the value as PostgreSQL flattened it. Most are given
 * back as one literal; for the variables whose value is a list of identifiers (pg_dump's
 * GUC_LIST_QUOTE list) one literal would become one element, so the stored list, a
 * comma-separated list of quoted-as-needed identifiers, is given back as it is, and only when
 * it has that shape: anything else is left out with a warning, never run as SQL.
 */
function copySettingsSql(from: string, to: string, scope: SettingsScope): string {
  return `DO $sqlrs$
DECLARE
  r record;
  kv text;
  k text;
  v text;
  is_list boolean;
  target text;
BEGIN
  FOR r IN SELECT s.setrole, s.setconfig FROM pg_db_role_setting s
             JOIN pg_database d ON d.oid = s.setdatabase
            WHERE d.datname = '${assertOwnName(from)}'${scopeSql(scope)}
  LOOP
    target := CASE WHEN r.setrole = 0 THEN format('DATABASE %I', '${assertOwnName(to)}')
      ELSE format('ROLE %I IN DATABASE %I', (SELECT rolname FROM pg_roles WHERE oid = r.setrole),
                  '${assertOwnName(to)}') END;
    FOREACH kv IN ARRAY r.setconfig LOOP
      k := split_part(kv, '=', 1);
      v := substr(kv, length(k) + 2);
      is_list := lower(k) IN ('search_path', 'temp_tablespaces', 'session_preload_libraries',
                              'shared_preload_libraries', 'local_preload_libraries',
                              'unix_socket_directories');
      IF is_list AND v !~ '${LIST_VALUE}' THEN
        RAISE WARNING 'sqlrs: setting % of % not copied: not a list of identifiers', k, '${assertOwnName(from)}';
        CONTINUE;
      END IF;
      EXECUTE format('ALTER %s SET %s = %s', target,
        CASE WHEN k ~ '^[A-Za-z_][A-Za-z0-9_.]*$' THEN k ELSE quote_ident(k) END,
        CASE WHEN is_list THEN v ELSE quote_literal(v) END);
    END LOOP;
  END LOOP;
END
$sqlrs$`;
}
