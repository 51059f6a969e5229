import { readFile, rename, unlink, writeFile } from 'node:fs/promises';

export interface EngineJson {
  endpoint: string;
  pid: number;
  startedAt: string;
  authToken: string;
  version: string;
  instanceId: string;
}

/** engine.json is written atomically (temp file, rename) and is readable by its owner only. */
export async function writeEngineJson(path: string, info: EngineJson): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

export async function readEngineJson(path: string): Promise<EngineJson | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as EngineJson;
  } catch {
    return undefined;
  }
}

/** Removes engine.json only if it is still ours: a newer engine may have replaced it. */
export async function removeEngineJson(path: string, instanceId: string): Promise<void> {
  const current = await readEngineJson(path);
  if (current?.instanceId === instanceId) await unlink(path).catch(() => undefined);
}
