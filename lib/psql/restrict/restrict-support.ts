import { execFile } from 'node:child_process';
import { invalidArgument } from '../../errors.js';

/** The first release of each major with `\restrict`; from 18 on, every release has it. */
const FIRST_WITH_RESTRICT: Record<number, number> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };

export const RESTRICT_VERSIONS = '13.22+, 14.19+, 15.14+, 16.10+, 17.6+ or any 18+';

/** `psql (PostgreSQL) 15.20 (Debian ...)` to [15, 20]; undefined when it says no version. */
export function parsePsqlVersion(out: string): [number, number] | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0)];
}

/** Whether a psql of this version has `\restrict`. */
export function hasRestrict(version: [number, number]): boolean {
  const [major, minor] = version;
  if (major >= 18) return true;
  const first = FIRST_WITH_RESTRICT[major];
  return first !== undefined && minor >= first;
}

/**
 * Refuses a prepare when the configured psql cannot run restricted (docs/prepare.md,
 * restricted mode): without `\restrict` the engine's only guard would be its own scan.
 * `seen` keeps each path's answer, so `psql --version` runs once per path.
 */
export async function requireRestrict(
  psqlPath: string,
  seen: Map<string, Promise<string | undefined>>,
): Promise<void> {
  let verdict = seen.get(psqlPath);
  if (!verdict) {
    verdict = restrictVerdict(psqlPath);
    seen.set(psqlPath, verdict);
  }
  const why = await verdict;
  if (!why) return;
  // A psql that could not be asked (not installed yet) is asked again next time.
  if (why.includes(NO_VERSION)) seen.delete(psqlPath);
  throw invalidArgument(why);
}

const NO_VERSION = 'no version from --version';

/** undefined when the psql has `\restrict`; else why the prepare is refused. */
async function restrictVerdict(psqlPath: string): Promise<string | undefined> {
  const out = await new Promise<string>((resolve) =>
    execFile(psqlPath, ['--version'], { timeout: 10_000 }, (err, stdout) =>
      resolve(err ? '' : String(stdout)),
    ),
  );
  const version = parsePsqlVersion(out);
  if (version && hasRestrict(version)) return undefined;
  const found = version ? `psql ${version.join('.')}` : `${psqlPath} (${NO_VERSION})`;
  return `psql_restrict is on and ${found} has no \\restrict: install psql ${RESTRICT_VERSIONS}`;
}
