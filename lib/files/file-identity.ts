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

/** A file changed while the engine read it, or between two reads of one hashing. */
export const changedWhileRead = (path: string, detail: string) =>
  Object.assign(new Error(detail), { code: 'ECHANGED', path });

/**
 * The identities of the files one hashing read, each as it was when read (lib/files/source-file.ts
 * reads a file only while its identity holds still). A file read twice must be the same file
 * both times, or the hash would describe content that never existed as a whole.
 */
export class ReadJournal {
  readonly seen: Record<string, string> = {};
  /** SHA-256 of the bytes read, by path: what psql must find in the file when it ran. */
  readonly digests: Record<string, string> = {};

  record(identities: Record<string, string>, digest: string): void {
    for (const [path, id] of Object.entries(identities)) {
      const was = this.seen[path];
      if ((was !== undefined && was !== id) || (this.digests[path] ?? digest) !== digest)
        throw changedWhileRead(path, 'changed between two reads of the same hashing');
      this.seen[path] = id;
      this.digests[path] = digest;
    }
  }
}

/** Whether identities changed before `ns` (wall clock), by SETTLE_NS at least. */
export function settledBefore(identities: Record<string, string>, ns: bigint): boolean {
  return Object.values(identities).every((id) =>
    id.split('>').every((part) => BigInt(part.split(':')[4] as string) < ns - SETTLE_NS),
  );
}

/**
 * How long until identities taken at `ns` vouch for their content: a file changed within the
 * kernel's coarse clock of the read could change again with the same size and times. 0 when
 * they do already; a time in the future (another host's clock) cannot be met by a new write.
 */
export function unsettledFor(identities: Record<string, string>, ns: bigint): number {
  let wait = 0n;
  for (const id of Object.values(identities)) {
    for (const part of id.split('>')) {
      const changed = BigInt(part.split(':')[4] as string);
      if (changed > ns + SETTLE_NS || changed < ns - SETTLE_NS) continue;
      const left = changed + SETTLE_NS - ns;
      if (left > wait) wait = left;
    }
  }
  return wait === 0n ? 0 : Number(wait / 1_000_000n) + 1;
}

/**
 * Runs a hashing of steps, giving it the journal its reads record into, and adds the
 * identities of the files the steps read: `seen`, each as it was read (what a build checks the
 * files against before and after psql runs, docs/prepare.md), and `identities`, the same when
 * every file had settled before the hashing began (what lib/prepare/accept/hash-cache.ts may keep).
 */
export function withIdentities<S extends { files: string[] }>(
  hash: (journal: ReadJournal) => S[],
): {
  steps: S[];
  identities?: Record<string, string>;
  seen: Record<string, string>;
  digests: Record<string, string>;
} {
  const started = wallClockNs();
  const journal = new ReadJournal();
  const steps = hash(journal);
  const seen: Record<string, string> = {};
  const digests: Record<string, string> = {};
  // A file removed since it was read matches nothing: the step that read it is not kept.
  for (const path of steps.flatMap((s) => s.files)) {
    seen[path] = journal.seen[path] ?? fileIdentity(path) ?? 'gone';
    const digest = journal.digests[path];
    if (digest !== undefined) digests[path] = digest;
  }
  const settled = Object.values(seen).every((id) => id !== 'gone') && settledBefore(seen, started);
  return settled ? { steps, identities: seen, seen, digests } : { steps, seen, digests };
}
