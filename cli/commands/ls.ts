import type {
  InstanceEntry,
  JobEntry,
  NameEntry,
  StateEntry,
  TaskEntry,
} from '../../lib/schema-types.js';
import { bool, parseArgs, requireIdPrefix, str } from '../args.js';
import { apiError, type EngineClient } from '../client.js';
import { type CliContext, json } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { formatBytes, relativeTime, shortId, table } from '../table.js';

export const LS_SPECS = [
  { name: 'names', short: 'n' },
  { name: 'instances', short: 'i' },
  { name: 'states', short: 's' },
  { name: 'jobs', short: 'j' },
  { name: 'tasks', short: 't' },
  { name: 'all' },
  { name: 'name', value: true },
  { name: 'instance', value: true },
  { name: 'state', value: true },
  { name: 'job', value: true },
  { name: 'kind', value: true },
  { name: 'image', value: true },
  { name: 'long' },
  { name: 'no-header' },
  { name: 'quiet' },
];

type Section = 'names' | 'instances' | 'states' | 'jobs' | 'tasks';
const SECTIONS: Section[] = ['names', 'instances', 'states', 'jobs', 'tasks'];

interface Listing {
  names?: NameEntry[];
  instances?: InstanceEntry[];
  states?: StateEntry[];
  jobs?: JobEntry[];
  tasks?: TaskEntry[];
}

/** `sqlrs ls`: names and instances by default; -n -i -s -j -t or --all pick sections. */
export async function ls(ctx: CliContext): Promise<number> {
  const p = parseArgs(ctx.argv, LS_SPECS);
  if (p.positionals.length > 0)
    throw new CliError(`ls takes no arguments (got ${p.positionals[0]})`, EXIT.usage);
  const picked = SECTIONS.filter((s) => bool(p, s) || bool(p, 'all'));
  const sections: Section[] = picked.length > 0 ? picked : ['names', 'instances'];
  const client = await ctx.client();
  const filters = await resolveFilters(client, p);
  if (filters.kind && (sections.includes('names') || sections.includes('instances')))
    filters.kindStates = await statesOfKind(client, filters.kind);
  const listing: Listing = {};
  for (const s of sections) Object.assign(listing, { [s]: await fetchSection(client, s, filters) });
  if (ctx.output === 'json') {
    ctx.out(json(listing));
    return EXIT.ok;
  }
  const long = bool(p, 'long');
  const opts = { noHeader: bool(p, 'no-header'), width: ctx.stdoutColumns };
  const blocks = sections.map((s) => render(s, listing, long, bool(p, 'quiet'), opts));
  ctx.out(blocks.filter(Boolean).join(bool(p, 'quiet') || opts.noHeader ? '' : '\n'));
  return EXIT.ok;
}

interface Filters {
  name?: string;
  instanceId?: string;
  stateId?: string;
  job?: string;
  kind?: string;
  image?: string;
  /** With --kind: the states of that kind, which names and instances are kept by. */
  kindStates?: Set<string>;
}

/** --instance and --state take an id prefix (or, for instances, a name); ambiguity is exit 2. */
async function resolveFilters(
  client: EngineClient,
  p: ReturnType<typeof parseArgs>,
): Promise<Filters> {
  const f: Filters = {
    name: str(p, 'name'),
    job: str(p, 'job'),
    kind: str(p, 'kind'),
    image: str(p, 'image'),
  };
  // Said here in the CLI's words: the engine would name its query parameter instead.
  if (f.kind !== undefined && f.kind !== 'psql' && f.kind !== 'mysql')
    throw new CliError(`--kind must be psql or mysql (got ${f.kind})`, EXIT.usage);
  const inst = str(p, 'instance');
  if (inst) f.instanceId = await resolveOne(client, 'instances', inst);
  const state = str(p, 'state');
  if (state) f.stateId = await resolveOne(client, 'states', state);
  return f;
}

export async function resolveOne(
  client: EngineClient,
  what: 'instances' | 'states',
  ref: string,
): Promise<string> {
  if (what === 'instances' && !/^[0-9a-fA-F]{8,32}$/.test(ref)) {
    const byName = await client.call('GET', `/v1/names/${encodeURIComponent(ref)}`);
    if (byName.status === 200) return byName.body.instance_id;
    throw new CliError(`no instance named ${ref}`, EXIT.usage);
  }
  requireIdPrefix(ref, 'a state id');
  const reply = await client.call('GET', `/v1/${what}?id_prefix=${encodeURIComponent(ref)}`);
  if (reply.status !== 200) throw apiError(reply);
  const key = what === 'instances' ? 'instance_id' : 'state_id';
  const ids = (reply.body as Array<Record<string, string>>).map((r) => r[key] as string);
  if (ids.length === 1) return ids[0] as string;
  if (ids.length > 1)
    throw new CliError(
      `${ref} is ambiguous: ${ids.map((i) => i.slice(0, 12)).join(', ')}`,
      EXIT.usage,
    );
  if (what === 'instances') {
    const byName = await client.call('GET', `/v1/names/${encodeURIComponent(ref)}`);
    if (byName.status === 200) return byName.body.instance_id;
  }
  throw new CliError(`no ${what.slice(0, -1)} matches ${ref}`, EXIT.usage);
}

/**
 * The ids of the states of a kind. Names and instances have no kind of their own (nor a `kind`
 * query parameter): theirs is their state's, which `GET /v1/states?kind=` answers.
 */
async function statesOfKind(client: EngineClient, kind: string): Promise<Set<string>> {
  const reply = await client.call('GET', `/v1/states?kind=${encodeURIComponent(kind)}`);
  if (reply.status !== 200) throw apiError(reply);
  return new Set((reply.body as StateEntry[]).map((s) => s.state_id));
}

/** Server-side filters each section's endpoint understands. */
function sectionQuery(s: Section, f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  const set = (key: string, value: string | undefined) => value && q.set(key, value);
  if (s === 'names') set('instance', f.instanceId);
  if (s === 'instances') set('id_prefix', f.instanceId);
  if (s === 'names' || s === 'instances') set('state', f.stateId);
  if (s === 'states') {
    set('id_prefix', f.stateId);
    set('kind', f.kind);
  }
  if (s === 'jobs' || s === 'tasks') set('job', f.job);
  else set('image', f.image);
  return q;
}

/** Filters applied here because the endpoint has none for them. */
function clientFilter(s: Section, f: Filters, rows: Array<Record<string, unknown>>) {
  return rows.filter(
    (r) =>
      (!f.name || (s !== 'names' && s !== 'instances') || r.name === f.name) &&
      (!f.kindStates ||
        (s !== 'names' && s !== 'instances') ||
        f.kindStates.has(r.state_id as string)) &&
      (s !== 'jobs' ||
        ((!f.image || r.image_id === f.image) && (!f.kind || r.prepare_kind === f.kind))),
  );
}

async function fetchSection(client: EngineClient, s: Section, f: Filters): Promise<unknown[]> {
  const q = sectionQuery(s, f);
  const path = s === 'jobs' ? '/v1/prepare-jobs' : `/v1/${s}`;
  const reply = await client.call('GET', `${path}${q.size ? `?${q}` : ''}`);
  if (reply.status !== 200) throw apiError(reply);
  return clientFilter(s, f, reply.body as Array<Record<string, unknown>>);
}

type RenderOpts = { noHeader: boolean; width?: number };

function render(s: Section, l: Listing, long: boolean, quiet: boolean, o: RenderOpts): string {
  const id = (x: string | null | undefined) => shortId(x, long);
  if (s === 'names') {
    const rows = l.names ?? [];
    if (quiet) return rows.map((r) => `${r.name}\n`).join('');
    return table(
      ['NAME', 'INSTANCE', 'STATE', 'IMAGE', 'STATUS', 'LAST USED'],
      rows.map((r) => [
        r.name,
        id(r.instance_id),
        id(r.state_id),
        r.image_id,
        r.status,
        relativeTime(r.last_used_at),
      ]),
      o,
    );
  }
  if (s === 'instances') {
    const rows = l.instances ?? [];
    if (quiet) return rows.map((r) => `${id(r.instance_id)}\n`).join('');
    return table(
      ['INSTANCE', 'NAME', 'STATE', 'IMAGE', 'STATUS', 'CREATED', 'EXPIRES', 'DSN'],
      rows.map((r) => [
        id(r.instance_id),
        r.name ?? '-',
        id(r.state_id),
        r.image_id,
        r.status,
        relativeTime(r.created_at),
        untilTime(r.expires_at),
        r.dsn,
      ]),
      o,
    );
  }
  if (s === 'states') return renderStates(l.states ?? [], long, quiet, o);
  if (s === 'jobs') {
    const rows = l.jobs ?? [];
    if (quiet) return rows.map((r) => `${r.job_id}\n`).join('');
    return table(
      ['JOB', 'STATUS', 'KIND', 'IMAGE', 'PLAN', 'CREATED'],
      rows.map((r) => [
        r.job_id,
        r.status,
        r.prepare_kind,
        r.image_id,
        r.plan_only ? 'yes' : 'no',
        relativeTime(r.created_at),
      ]),
      o,
    );
  }
  const rows = l.tasks ?? [];
  if (quiet) return rows.map((r) => `${r.job_id} ${r.task_id}\n`).join('');
  return table(
    ['JOB', 'TASK', 'TYPE', 'STATUS', 'CACHED', 'OUTPUT'],
    rows.map((r) => [
      id(r.job_id),
      r.task_id,
      r.type,
      r.status,
      r.cached === undefined ? '-' : String(r.cached),
      id(r.output_state_id),
    ]),
    o,
  );
}

/** States as a tree: children indented under their parent, roots first. */
function renderStates(states: StateEntry[], long: boolean, quiet: boolean, o: RenderOpts): string {
  const byParent = new Map<string | null, StateEntry[]>();
  const ids = new Set(states.map((s) => s.state_id));
  for (const s of states) {
    const parent = s.parent_state_id && ids.has(s.parent_state_id) ? s.parent_state_id : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const rows: string[][] = [];
  const walk = (parent: string | null, prefix: string) => {
    const kids = byParent.get(parent) ?? [];
    kids.forEach((s, i) => {
      const last = i === kids.length - 1;
      const branch = parent === null ? '' : `${prefix}${last ? '└── ' : '├── '}`;
      rows.push([
        `${branch}${shortId(s.state_id, long)}`,
        s.image_id,
        s.prepare_kind,
        String(s.refcount),
        formatBytes(s.size_bytes),
        relativeTime(s.created_at),
        s.prepare_args_normalized,
      ]);
      walk(s.state_id, parent === null ? '' : `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(null, '');
  if (quiet) return rows.map((r) => `${(r[0] as string).replace(/^[│├└─\s]+/, '')}\n`).join('');
  return table(['STATE', 'IMAGE', 'KIND', 'REFS', 'SIZE', 'CREATED', 'ARGS'], rows, o);
}

/** When an instance expires, from now: `in 25m`, `expired`, `-` for never (docs/lifecycle.md). */
export function untilTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((Date.parse(iso) - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 60) return `in ${s}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m`;
  if (s < 86_400) return `in ${Math.floor(s / 3600)}h`;
  return `in ${Math.floor(s / 86_400)}d`;
}
