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
