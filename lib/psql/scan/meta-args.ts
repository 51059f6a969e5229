/**
 * Splits meta-command arguments as psql does for file names: whitespace separated, single
 * quotes with '' and backslash escapes. Returns undefined for each argument that uses psql
 * variables (`:name`, `:'name'`) or backquotes (shell commands), which cannot be hashed.
 */
export function splitMetaArgs(args: string): Array<{ value: string; dynamic: boolean }> {
  const out: Array<{ value: string; dynamic: boolean }> = [];
  let k = 0;
  for (;;) {
    while (k < args.length && /\s/.test(args[k] as string)) k++;
    if (k >= args.length) return out;
    const word = readWord(args, k);
    out.push({ value: word.value, dynamic: word.dynamic });
    k = word.end;
  }
}

function readWord(args: string, from: number) {
  let value = '';
  let dynamic = false;
  let k = from;
  while (k < args.length && !/\s/.test(args[k] as string)) {
    const c = args[k] as string;
    if (c === "'") {
      const quoted = readQuoted(args, k);
      value += quoted.value;
      k = quoted.end;
      continue;
    }
    if (c === '`' || (c === ':' && /[A-Za-z_'"{]/.test(args[k + 1] ?? ''))) dynamic = true;
    value += c;
    k++;
  }
  return { value, dynamic, end: k };
}

/** A single-quoted argument: '' and backslash escapes, as psql reads file names. */
function readQuoted(args: string, open: number): { value: string; end: number } {
  let value = '';
  let k = open + 1;
  for (; k < args.length; k++) {
    const q = args[k] as string;
    if (q === "'" && args[k + 1] !== "'") break;
    if (q === '\\' || q === "'") k++;
    value += args[k] ?? '';
  }
  return { value, end: k + 1 };
}
