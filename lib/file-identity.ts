import { lstatSync, type Stats, statSync } from 'node:fs';

type BigStats = Stats & {
  ino: bigint;
  dev: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
};

/** Kernel file times come from a coarse clock (a few ms); a file changed this recently is not trusted. */
const SETTLE_NS = 50_000_000n;

const describe = (s: BigStats) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;

/**
 * A file's identity: device, inode, size, mtime and ctime of the path itself and, for a
 * symbolic link, of its target too (so retargeting a link and editing its target both show).
 * Undefined when the path cannot be read.
 */
export function fileIdentity(path: string): string | undefined {
  try {
    const own = lstatSync(path, { bigint: true }) as unknown as BigStats;
    if (!own.isSymbolicLink()) return describe(own);
    return `${describe(own)}>${describe(statSync(path, { bigint: true }) as unknown as BigStats)}`;
  } catch {
    return undefined;
  }
}

/**
 * Identities of the files a hash was computed from, taken after reading them. They vouch for
 * the content only if no file changed since `readStartNs` (wall clock, ns): a file changed
 * during or after the read gets no identity, and the hash is not cached.
 */
export function settledIdentities(
  paths: string[],
  readStartNs: bigint,
): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const path of new Set(paths)) {
    const id = fileIdentity(path);
    if (id === undefined) return undefined;
    const changedAt = id.split('>').map((part) => BigInt(part.split(':')[4] as string));
    if (changedAt.some((ns) => ns >= readStartNs - SETTLE_NS)) return undefined;
    out[path] = id;
  }
  return out;
}

/** Wall-clock now in ns, comparable with file ctimes. */
export const wallClockNs = () => BigInt(Date.now()) * 1_000_000n;

/**
 * Runs a hashing of steps and adds the identities of the files the steps read: `seen`, as they
 * were once read (what a build checks the files against before it keeps a state), and
 * `identities`, the same when every file had settled before the hashing began (what
 * lib/prepare/hash-cache.ts may keep).
 */
export function withIdentities<S extends { files: string[] }>(
  hash: () => S[],
): { steps: S[]; identities?: Record<string, string>; seen: Record<string, string> } {
  const started = wallClockNs();
  const steps = hash();
  const paths = steps.flatMap((s) => s.files);
  const identities = settledIdentities(paths, started);
  if (identities) return { steps, identities, seen: identities };
  const seen: Record<string, string> = {};
  // A file removed since it was read matches nothing: the step that read it is not kept.
  for (const path of paths) seen[path] = fileIdentity(path) ?? 'gone';
  return { steps, seen };
}
