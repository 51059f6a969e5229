import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { openSqljsStore } from '../../lib/store/sqljs/index.js';
import { dropCatalogDatabases } from './catalog-cleanup.js';
import { tempDir } from './tmp.js';

export const CLI_BIN = fileURLToPath(new URL('../../../bin/sqlrs.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs the sqlrs binary as a subprocess. */
export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** A temp state dir whose engine (started by the CLI) is stopped, and its databases dropped, at the end. */
export async function cliStateDir(t: Test): Promise<string> {
  const dir = await tempDir(t, 'sqlrs-cli-');
  t.teardown(() => stopEngineIn(dir));
  return dir;
}

export async function stopEngineIn(dir: string, dropDatabases = true): Promise<void> {
  const info = await readFile(join(dir, 'engine.json'), 'utf8').then(JSON.parse, () => undefined);
  if (info?.pid) {
    try {
      process.kill(info.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(info.pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (!dropDatabases) return;
  const store = await openSqljsStore({ dir }).catch(() => undefined);
  if (!store) return;
  const catalogId = store.catalogId;
  await store.close();
  await dropCatalogDatabases(catalogId);
}

/** `sqlrs` with `--state-dir dir` first. */
export const cliIn = (dir: string) => (args: string[], opts?: CliOptions) =>
  runCli(['--state-dir', dir, ...args], opts);
