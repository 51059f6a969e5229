import { isAbsolute, resolve } from 'node:path';

/**
 * How a client's tool arguments name files, as the engine must get them: absolute. Relative
 * paths are resolved against the caller's directory (docs/cli.md, docs/client.md); `-` is the
 * request's `stdin`. The CLI and the JS client both send what these return.
 */
export interface FileArgs {
  args: string[];
  readsStdin: boolean;
}

/** psql: the values of `-f`, `--file=` and `-fFILE`. */
export function resolvePsqlFiles(args: string[], cwd: string): FileArgs {
  const out: string[] = [];
  let readsStdin = false;
  const abs = (f: string) => {
    if (f === '-') readsStdin = true;
    return f === '-' || isAbsolute(f) ? f : resolve(cwd, f);
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if ((a === '-f' || a === '--file') && i + 1 < args.length)
      out.push(a, abs(args[++i] as string));
    else if (a.startsWith('--file=')) out.push(`--file=${abs(a.slice(7))}`);
    else if (/^-f./.test(a)) out.push(`-f${abs(a.slice(2))}`);
    else out.push(a);
  }
  return { args: out, readsStdin };
}

/** mysql steps are positional .sql files (or `-` for stdin), resolved like psql's -f. */
export function resolveMysqlFiles(args: string[], cwd: string): FileArgs {
  let readsStdin = false;
  const out = args.map((a, i) => {
    const prev = args[i - 1];
    if (a === '-') readsStdin = true;
    const isValue = prev === '-e' || prev === '--execute';
    return !isValue && !a.startsWith('-') && !isAbsolute(a) ? resolve(cwd, a) : a;
  });
  return { args: out, readsStdin };
}
