import type { CliContext, Command } from '../context.js';

/**
 * Commands are loaded on use: a cache-hit `prepare:psql` should not pay for loading what
 * `status` or `ls` need (the shell start-up is part of every prepare).
 */
const lazy =
  (load: () => Promise<Command>): Command =>
  async (ctx: CliContext) =>
    (await load())(ctx);

export const COMMANDS: Record<string, Command> = {
  status: lazy(async () => (await import('./status.js')).status),
  'prepare:psql': lazy(async () => (await import('./prepare.js')).prepareCommand('psql', false)),
  'plan:psql': lazy(async () => (await import('./prepare.js')).prepareCommand('psql', true)),
  'prepare:mysql': lazy(async () => (await import('./prepare.js')).prepareCommand('mysql', false)),
  'plan:mysql': lazy(async () => (await import('./prepare.js')).prepareCommand('mysql', true)),
  'exec:psql': lazy(async () => (await import('./exec.js')).execCommand('psql')),
  'exec:mysql': lazy(async () => (await import('./exec.js')).execCommand('mysql')),
  ls: lazy(async () => (await import('./ls.js')).ls),
  rm: lazy(async () => (await import('./rm.js')).rm),
  gc: lazy(async () => (await import('./gc.js')).gc),
  catalog: lazy(async () => (await import('./catalog.js')).catalog),
  stop: lazy(async () => (await import('./stop.js')).stop),
  watch: lazy(async () => (await import('./watch.js')).watch),
  'run:psql': lazy(async () => (await import('./run.js')).runCommand('psql')),
  'run:mysql': lazy(async () => (await import('./run.js')).runCommand('mysql')),
};
