import { findOrStartEngine } from '../lib/client/local-engine/discovery.js';
import { localStateDir } from '../lib/client/local-engine/state-dir.js';
import { packageVersion } from '../lib/package-info.js';
import { EngineClient } from './client.js';
import { COMMANDS } from './commands/index.js';
import type { CliContext } from './context.js';
import { CliError, EXIT, engineError } from './errors.js';
import { GLOBAL_HELP, HELP } from './help.js';

interface Globals {
  stateDir?: string;
  output: 'human' | 'json';
  verbose: boolean;
  help: boolean;
  /** `--version` or `-V` before any command. */
  version: boolean;
  command?: string;
  argv: string[];
}

/**
 * Global flags may stand before the command or after it (before `--`); everything else is
 * the command's. psql's own -v must therefore follow `--`.
 */
export function splitGlobals(argv: string[]): Globals {
  const g: Globals = {
    output: 'human',
    verbose: false,
    help: false,
    version: false,
    argv: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      g.argv.push(...argv.slice(i));
      break;
    }
    i = takeGlobal(argv, i, g);
  }
  return g;
}

/** Takes one token (and the value of a global flag); returns the index of the last one used. */
function takeGlobal(argv: string[], i: number, g: Globals): number {
  const a = argv[i] as string;
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  const key = eq >= 0 ? a.slice(0, eq) : a;
  let next = i;
  const value = () => {
    const v = eq >= 0 ? a.slice(eq + 1) : argv[++next];
    if (v === undefined) throw new CliError(`${key} needs a value`, EXIT.usage);
    return v;
  };
  if (key === '--state-dir') g.stateDir = value();
  else if (key === '--output') g.output = outputFormat(value());
  else if (a === '-v' || a === '--verbose') g.verbose = true;
  else if (a === '-h' || a === '--help') g.help = true;
  else if (g.command === undefined && (a === '--version' || a === '-V')) g.version = true;
  else if (g.command === undefined && !a.startsWith('-')) g.command = a;
  else g.argv.push(a);
  return next;
}

function outputFormat(v: string): 'human' | 'json' {
  if (v !== 'human' && v !== 'json')
    throw new CliError('--output must be human or json', EXIT.usage);
  return v;
}

export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  const err = (s: string) => process.stderr.write(s);
  try {
    const g = splitGlobals(argv);
    if (g.version && !g.help) {
      out(`sqlrs ${packageVersion()}\n`);
      return EXIT.ok;
    }
    if (g.help || g.command === undefined) {
      out(`${HELP[g.command ?? ''] ?? HELP['']}\n${GLOBAL_HELP}`);
      return g.command === undefined && !g.help ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS[g.command];
    if (!command) throw new CliError(`unknown command ${g.command} (see sqlrs --help)`, EXIT.usage);
    const stateDir = localStateDir(g.stateDir);
    let client: EngineClient | undefined;
    const ctx: CliContext = {
      argv: g.argv,
      stateDir,
      output: g.output,
      verbose: g.verbose,
      cwd: process.cwd(),
      env: process.env,
      stdin: process.stdin,
      out,
      err,
      stderrIsTTY: process.stderr.isTTY === true,
      stdoutColumns: process.stdout.isTTY ? process.stdout.columns : undefined,
      client: async () => {
        client ??= new EngineClient(await findOrStartEngine(stateDir).catch(engineError));
        return client;
      },
    };
    return await command(ctx);
  } catch (e) {
    // Told apart by its exit code, never by class (as lib/errors.ts does with codes).
    const known = e as Partial<CliError>;
    if (typeof known.exitCode === 'number') {
      err(
        `sqlrs: ${known.message}\n${known.details ? `${known.details.replace(/^/gm, '  ')}\n` : ''}`,
      );
      return known.exitCode;
    }
    err(`sqlrs: internal error: ${(e as Error).message}\n`);
    return EXIT.engine;
  }
}
