/**
 * What a step whose script is a file on the engine host may show of it (docs/prepare.md, host
 * files): psql's message line, the `LINE n:` excerpt of the failing line and its caret, each
 * cut short. The caller did not send that content, so nothing more of it goes into job errors
 * or events: no echoed statement (`-b`), no DETAIL or CONTEXT (they quote values read from it).
 */
const KEPT: Array<[RegExp, number]> = [
  [/^psql:/, 200],
  [/^LINE \d+: /, 120],
  [/^\s*\^$/, 130],
  [/^HINT: {2}/, 200],
];

/** The line as a host-file step may show it, or undefined when it is not shown. */
export function hostFileLine(line: string): string | undefined {
  for (const [re, cap] of KEPT) {
    if (re.test(line)) return line.length > cap ? `${line.slice(0, cap)}...` : line;
  }
  return undefined;
}

/** The lines a host-file step's error keeps, with a note of how many it left out. */
export function hostFileLines(lines: string[]): string[] {
  const kept = lines.map(hostFileLine).filter((l): l is string => l !== undefined);
  const left = lines.length - kept.length;
  if (left > 0) kept.push(`[sqlrs: ${left} line(s) quoting a file on the engine host not shown]`);
  return kept;
}
