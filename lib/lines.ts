/**
 * Splits a byte stream into UTF-8 lines, keeping at most `maxLine` characters of each: a longer
 * line is passed on cut (`cut` true) and the rest of it dropped as it comes. Each chunk is
 * searched once: joining the partial line to every chunk and searching it again would take
 * 26 s to split a 16 MB line of psql output, and four times that for twice the line.
 */
export class LineSplitter {
  private parts: string[] = [];
  private length = 0;
  private cut = false;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly onLine: (line: string, cut: boolean) => void,
    private readonly maxLine = Number.POSITIVE_INFINITY,
  ) {}

  /** Characters of the partial line held (at most maxLine). */
  get held(): number {
    return this.length;
  }

  push(chunk: Uint8Array): void {
    const text = this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.keep(text.slice(start, nl));
      this.emit();
      start = nl + 1;
    }
    this.keep(text.slice(start));
  }

  end(): void {
    this.keep(this.decoder.decode());
    if (this.length > 0 || this.cut) this.emit();
  }

  private keep(piece: string): void {
    const room = this.maxLine - this.length;
    if (piece.length > room) this.cut = true;
    const kept = piece.length > room ? piece.slice(0, room) : piece;
    if (kept === '') return;
    this.parts.push(kept);
    this.length += kept.length;
  }

  private emit(): void {
    const line = this.parts.join('');
    this.onLine(this.cut ? line : line.replace(/\r$/, ''), this.cut);
    this.parts = [];
    this.length = 0;
    this.cut = false;
  }
}

/** Line numbers (1-based) for increasing offsets into `text`, counted incrementally. */
export function lineCounter(text: string): (offset: number) => number {
  let line = 1;
  // The first newline not yet counted: found with indexOf (not a character at a time), and
  // kept, so that many offsets on one long line do not each look for its end.
  let next = text.indexOf('\n');
  return (offset) => {
    while (next >= 0 && next < offset) {
      line++;
      next = text.indexOf('\n', next + 1);
    }
    return line;
  };
}

/** How many newlines `text` has from `from` up to (not including) `to`. */
export function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) count++;
  return count;
}
