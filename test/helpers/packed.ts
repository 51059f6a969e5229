import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package as a user gets it (`npm pack`, then `npm install` of the tarball), for the tests
// that run the example project and the README's quick start against it.

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The repository's TypeScript compiler, for type checks in an installed project. */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

export interface Run {
  code: number | null;
  out: string;
}

/** A user's environment: none of the test runner's hooks (coverage, loaders) leak in. */
export function userEnv(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^(TAP|_TAP|NODE_OPTIONS$|NODE_V8_COVERAGE$)/.test(key)) env[key] = value;
  return { ...env, SQLRS_STATE_STORE: stateDir };
}

/** Runs a command to its end; stdout and stderr together, in the order they came. */
export function run(cmd: string, args: string[], cwd: string, env = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** `npm pack` of the repository (built: dist/ is what ships) into `dir`; the tarball's path. */
export async function packInto(dir: string): Promise<string> {
  const pack = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
    ROOT,
  );
  if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.out}`);
  return join(dir, JSON.parse(pack.out.slice(pack.out.indexOf('[')))[0].filename);
}

/** `npm install` in a project, from npm's cache where it can (the packages tests use are there). */
export function npmInstall(project: string, specs: string[]): Promise<Run> {
  return run('npm', ['install', ...specs, '--prefer-offline', '--no-audit', '--no-fund'], project);
}
