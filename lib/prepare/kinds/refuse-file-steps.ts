import { invalidArgument } from '../../errors.js';

/** How a tool's arguments spell a file step, a stdin step and an inline script. */
export interface StepSpelling {
  /** Before a file step's path: `-f ` for psql, nothing for mysql. */
  file: string;
  stdin: string;
  inline: string;
}

/**
 * With host files off (docs/prepare.md), steps come only from the request: a step that names
 * a file on the engine host is refused, naming it.
 */
export function refuseFileSteps(
  sources: Array<{ kind: string; path?: string }>,
  spelling: StepSpelling,
): void {
  const file = sources.find((s) => s.kind === 'file');
  if (file)
    throw invalidArgument(
      `${spelling.file}${file.path}: steps may not read files on the engine host here (host_files is off): send the script as stdin (${spelling.stdin}) or as ${spelling.inline}`,
      `argument: ${spelling.file}${file.path}`,
    );
}
