import { countNewlines } from '../../lines.js';

/** Where a run of lines of the inlined text came from: its first line is `line` of `label`. */
export interface Segment {
  /** 1-based line of the inlined text where the run starts. */
  at: number;
  label: string;
  line: number;
}

/** A step's script with its includes inlined, and where each of its lines came from. */
export interface Inlined {
  /** The bytes psql reads (scripts are scanned as latin1: one character per byte). */
  bytes: Uint8Array;
  segments: Segment[];
}

/**
 * Builds the text a restricted psql step reads (docs/prepare.md, restricted mode): the engine
 * puts each included file in place of its `\i`/`\ir` (psql may not read files under
 * `\restrict`) and keeps, per run of lines, the file and line it came from, so that psql's
 * `<stdin>:N` in an error can be named as the user's file and line.
 */
export class Inliner {
  private readonly parts: Buffer[] = [];
  private readonly segments: Segment[] = [];
  private lines = 0;
  private endsLine = true;
  /** Keys of `\restrict KEY` dropped: the `\unrestrict KEY` of the same key is dropped too. */
  private readonly dropped = new Set<string>();

  /** Appends `text` (latin1), whose first character is on line `line` of `label`. */
  add(text: string, label: string, line: number): void {
    if (text === '') return;
    this.segments.push({ at: this.lines + 1, label, line });
    this.parts.push(Buffer.from(text, 'latin1'));
    this.lines += countNewlines(text, 0, text.length);
    this.endsLine = text.endsWith('\n');
  }

  /**
   * Ends an included file on its own line, as psql reads it: the including file's next text
   * must not join the file's last line.
   */
  endFile(): void {
    if (this.endsLine) return;
    this.parts.push(Buffer.from('\n'));
    this.lines++;
    this.endsLine = true;
  }

  /**
   * Whether a `\restrict`/`\unrestrict` is dropped. pg_dump wraps its output in a pair with a
   * key of its own; the step already runs restricted with a key no script knows, so dropping a
   * `\restrict` loses nothing, and its `\unrestrict` (the same key) must go with it: kept, it
   * would fail (psql is under another key). Any other `\unrestrict` is left for psql to refuse.
   */
  drops(name: string, args: string): boolean {
    const key = args.trim();
    if (name === 'restrict') {
      this.dropped.add(key);
      return true;
    }
    return name === 'unrestrict' && this.dropped.has(key);
  }

  result(): Inlined {
    return { bytes: Buffer.concat(this.parts), segments: this.segments };
  }
}

/** The file and line a line of the inlined text came from, as `label:line`. */
export function sourceLine(segments: Segment[], line: number): string | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  let found: Segment | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segments[mid] as Segment;
    if (s.at <= line) {
      found = s;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found && `${found.label}:${found.line + line - found.at}`;
}

/** psql's `psql:<stdin>:N:` prefix, named as the file and line the inlined line came from. */
export function nameStdinLines(line: string, segments: Segment[]): string {
  return line.replace(/^psql:<stdin>:(\d+):/, (whole, n: string) => {
    const where = sourceLine(segments, Number(n));
    return where ? `psql:${where}:` : whole;
  });
}
