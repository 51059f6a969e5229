/** Exit codes (docs/cli.md, Commands). */
export const EXIT = { ok: 0, usage: 2, engine: 3, blocked: 4 } as const;

/** An error the CLI reports in one line and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly details?: string,
  ) {
    super(message);
  }
}

export const usage = (message: string) => new CliError(message, EXIT.usage);

/**
 * Finding or starting the engine (lib/client/local-engine) fails with a coded error; the CLI
 * says it in one line and exits 3, as for any engine trouble.
 */
export function engineError(err: unknown): never {
  const e = err as { code?: unknown; message?: string; details?: string };
  if (e?.code === 'engine_start_failed' || e?.code === 'engine_unreachable')
    throw new CliError(e.message ?? String(err), EXIT.engine, e.details);
  throw err;
}
