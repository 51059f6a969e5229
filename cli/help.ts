import { LEASE_SECONDS } from './lease.js';

/** --help text of every command (docs/cli.md). */
export const GLOBAL_HELP = `Global flags:
  --state-dir DIR        state directory (default $XDG_STATE_HOME/sqlrs or ~/.local/state/sqlrs)
  --output human|json    output format (default human)
  -v, --verbose          one progress line per event, with the tools' output
  -h, --help             help for a command
  -V, --version          print sqlrs VERSION (before any command)
Exit codes: 0 ok, 2 invalid arguments or ambiguous id, 3 engine or internal error, 4 blocked.
`;

const prepareHelp = (
  kind: string,
  plan: boolean,
) => `Usage: sqlrs ${plan ? 'plan' : 'prepare'}:${kind} [--image ID]${plan ? '' : ' [--name N] [--ttl D] [--no-watch]'} [--] ${kind.toUpperCase()}_ARGS

${plan ? 'Shows the plan of a prepare (which steps are cached) without creating anything.' : 'Prepares a database state from the scripts and prints DSN=<dsn> of a private copy.'}
${kind === 'psql' ? 'Each -c SQL, -f FILE and -f - (stdin) is one step. Relative -f paths are resolved\nagainst the current directory. psql flags that sqlrs also has (-v) go after --.' : 'Each -e SQL, FILE.sql and - (stdin) is one step. Relative paths are resolved against\nthe current directory.'}

  --image ID     image to prepare on (default: the engine's default image)
${plan ? '' : '  --name N       bind the new instance to a name\n  --ttl D        drop the instance D after it is made (e.g. 30m, 2h; at most 744h)\n  --no-watch     print JOB_ID=, STATUS_URL=, EVENTS_URL= and return at once\n'}
Progress goes to stderr; Ctrl+C asks whether to cancel the job.
`;

const execHelp = (kind: 'psql' | 'mysql') => {
  const vars =
    kind === 'psql'
      ? 'PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE'
      : 'MYSQL_HOST MYSQL_TCP_PORT MYSQL_USER MYSQL_PWD MYSQL_DATABASE';
  return `Usage: sqlrs exec:${kind} [--image ID] [--name N] [--keep [--ttl D]] -- ${kind.toUpperCase()}_ARGS -- COMMAND [ARGS...]

Prepares a private instance as prepare:${kind} does, runs COMMAND with DATABASE_URL and
  ${vars}
set for it (stdio inherited), removes the instance when COMMAND ends and exits with its code (128+N if signal N ended it: 130 for Ctrl+C). SIGINT and SIGTERM
are passed on to COMMAND. The ${kind} arguments end at the first -- after them; later ones
are COMMAND's. The first -- may be left out when the ${kind} arguments follow the flags.

  --image ID     image to prepare on (default: the engine's default image)
  --name N       bind the instance to a name while it exists
  --keep         keep the instance after COMMAND ends (sqlrs rm removes it)
  --ttl D        with --keep: the instance expires D after COMMAND ends (e.g. 30m)

Without --keep the instance is a ${LEASE_SECONDS}-second lease renewed while COMMAND runs: if sqlrs
is killed, the engine drops it within that time. If COMMAND cannot be started, the instance
is removed and sqlrs exits 127 (not found) or 126.
`;
};

export const HELP: Record<string, string> = {
  '': `Usage: sqlrs COMMAND [FLAGS]

Commands:
  status          the engine, its state dir and whether each image's server answers
  prepare:psql    prepare a PostgreSQL state from psql scripts; prints DSN=...
  plan:psql       show what prepare:psql would build or reuse
  prepare:mysql   prepare a MySQL/MariaDB state from mysql scripts
  plan:mysql      show what prepare:mysql would build or reuse
  ls              list names, instances, states, jobs, tasks
  rm              remove an instance, a state (tree) or a job
  gc              evict cached states and warm copies down to the cache budget
  watch           follow a job started with --no-watch
  run:psql        run psql against an instance
  run:mysql       run the mariadb/mysql client against an instance
  exec:psql       prepare an instance, run a command with DATABASE_URL and PG*, remove it
  exec:mysql      the same with DATABASE_URL and MYSQL_*
  stop            stop the engine of the state dir
  catalog copy    copy the state dir's embedded catalog into a shared one on PostgreSQL

Run 'sqlrs COMMAND --help' for a command's flags.
`,
  status: `Usage: sqlrs status [--cache]

Finds (or starts) the engine and shows its endpoint, version, pid and state dir, and each
image the engine has configured (its config.json and environment) with whether its server
answers from the engine. --output json prints
{ok, endpoint, version, instanceId, pid, stateDir, images}.
  --cache  also the cache's usage per server against its budget (json: cache)
`,
  'prepare:psql': prepareHelp('psql', false),
  'plan:psql': prepareHelp('psql', true),
  'prepare:mysql': prepareHelp('mysql', false),
  'plan:mysql': prepareHelp('mysql', true),
  ls: `Usage: sqlrs ls [-n] [-i] [-s] [-j] [-t] [--all] [FILTERS] [--long] [--no-header] [--quiet]

Lists names and instances (default), or the sections picked:
  -n names  -i instances  -s states (as a tree)  -j jobs  -t tasks  --all everything
Filters: --name N, --instance ID|NAME, --state ID, --job JOB_ID, --kind psql|mysql, --image ID
(ids may be prefixes of 8+ hex characters; an ambiguous prefix is an error). --kind keeps
states and jobs of that kind, and names and instances made from such states.
  --long       full ids instead of 12 characters
  --no-header  tables without their header line
  --quiet      ids only
--output json prints {names, instances, states, jobs, tasks} with the selected arrays.
`,
  rm: `Usage: sqlrs rm [-r] [-f] [--dry-run] ID_PREFIX|JOB_ID|NAME

Removes the instance, state or job the id names (a prefix of 8+ hex characters, matched
across instances, states and jobs), or the instance a name is bound to. Prints the deletion tree.
  -r, --recurse  remove a state with everything built on it
  -f, --force    remove even if sessions are connected (they are terminated), or a job runs
  --dry-run      only show what would be removed
Nothing matching is a warning (exit 0); an ambiguous prefix exits 2; blocked exits 4.
`,
  gc: `Usage: sqlrs gc [--dry-run]

Runs an eviction pass now: on each server over its cache budget, warm copies and then the
least recently used states nothing holds go until usage is down to the low watermark
(docs/lifecycle.md). Prints what went.
  --dry-run  only show what would go
`,
  watch: `Usage: sqlrs watch JOB_ID

Follows a job's progress to the end and prints DSN=... like prepare.
`,
  'exec:psql': execHelp('psql'),
  'exec:mysql': execHelp('mysql'),
  stop: `Usage: sqlrs stop

Stops the engine of the state dir gracefully (SIGTERM to the pid in engine.json, once it
answers as that engine), and waits until it has exited and removed engine.json. With no
engine running it says so and exits 0. It never starts an engine.
`,
  catalog: `Usage: sqlrs catalog copy --to postgres://USER@HOST/DB [--schema NAME]

Copies the state dir's embedded catalog (its states, instances and names) into the shared
catalog at the URL (docs/scaling.md), parents before children, 1000 rows per transaction.
Rows whose key is already there are skipped, so running it again copies nothing. Pending
operations, warm copies and jobs are not copied. The engine of the state dir must be
stopped first (sqlrs stop); a schema that holds another catalog (another catalog id) is
refused. Set config catalog to the same URL (and catalog_schema) afterwards.
  --to URL       the PostgreSQL database of the shared catalog (required)
  --schema NAME  its schema (default sqlrs_catalog)
--output json prints {server, schema, catalog_id, copied, skipped, unfinished}.
`,
  'run:psql': `Usage: sqlrs run:psql [--instance ID|NAME] [--] [PSQL_ARGS]

Runs the local psql against the instance (the only one if there is just one) with your
arguments, and exits with psql's exit code. Connection flags are not accepted.
`,
  'run:mysql': `Usage: sqlrs run:mysql [--instance ID|NAME] [--] [MYSQL_ARGS]

Runs the local mariadb (or $SQLRS_MYSQL) client against the instance with your arguments,
and exits with its exit code. Connection flags are not accepted.
`,
};
