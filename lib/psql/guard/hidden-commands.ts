import { countNewlines } from '../../lines.js';
import { LineStateCursor, type LineStateIndex } from '../scan/line-states.js';
import { copyEndStarts, isCopyEnd, type PsqlToken, scanPsqlLines } from '../scan/scanner.js';
import type { MaskedLine } from './client-encodings.js';
import { mayDoHarm } from './commands.js';
import {
  BACK_TO_SQL,
  closerOf,
  type From,
  type HiddenCommand,
  liveVariants,
  MAX_STATES,
  readLine,
  type ScannedLine,
} from './line-readings.js';
import { maskedLines } from './masked-lines.js';
import { ReadingsAtOnce } from './one-reading.js';

export type { From, HiddenCommand };

const NONE: MaskedLine[] = [];

/** What can open or close a literal or comment, or be found: lines without any read alike. */
const LEXICAL = /['"$\-/*\\:]/;

/**
 * Bytes the scan of other readings over many lines takes (Walk.readOthersAtOnce) at least and
 * at most. It doubles while the readings run on past its end, and is twice what the last one
 * read where that stopped short, at a line where a reading ends or finds a hazardous token:
 * what a scan lexes past that line is lexed again, so lines with such tokens close together
 * (each read a line at a time) cost a scan of a few lines each, not of the whole budget.
 */
const MIN_AT_ONCE = 512;
const MAX_AT_ONCE = 8 * 2 ** 20;

/**
 * Follows every way psql could lex `text` that the scan does not take. Between lines psql's
 * lexer carries only what is open: a literal, a dollar-quoted body, a comment, or nothing. The
 * reference reading takes every line as it is. Other readings:
 * - A script may switch the client encoding at any line (lib/psql/guard/client-encodings.ts): a line
 *   may be read masked, and the reading left in another state, which later lines continue from.
 * - COPY ... FROM STDIN (or `\copy ... from stdin`) makes psql take the next lines as data, not
 *   lexed, up to a `\.` line; then it goes on from the state its COPY line ended in. A statement
 *   can be COPY without saying so (`:var`, `\gexec`), so after each `\.` line every state some
 *   line started in before is a state a reading may go on from.
 * - A command that fails (or that psql does not know) makes psql drop the rest of its line, so
 *   SQL after a `\\` there is not lexed: a line with a command and a `\\` may end in nothing
 *   open whatever the SQL after it opened.
 * A reading that finds a meta-command that may do harm (lib/psql/guard/commands.ts) or an ambiguous
 * literal the reference does not, or an unquoted `:name` that `mayHoldBackslash`, is refused:
 * psql would run what the scan never checked. Readings that find less are fine, and so are
 * commands psql does not know (COPY data read as script is full of `\N`).
 *
 * Cost: none for text with no such reading (ASCII, no `\.` line, no `\\`) or nothing to find (no
 * backslash, no such `:name`); else, where other readings are open, one scan of the lines
 * ahead for each that the lines can change (Walk.readOthersAtOnce) and a few comparisons a line.
 * `atOnce` false lexes each line for each reading instead, which tests compare it with. The
 * reference reading is the scan's own: `lines`, the states its lines start in
 * (lib/psql/scan/scanner.ts scanPsqlLines), which the text is scanned for here when not given.
 */
export function hiddenCommand(
  text: string,
  mayHoldBackslash: (name: string) => boolean,
  lines?: LineStateIndex,
  atOnce = true,
): HiddenCommand | undefined {
  const copyEnds = lines?.copyEnds ?? copyEndStarts(text);
  const stop = lastFindable(text, copyEnds.length > 0, mayHoldBackslash);
  if (stop < 0) return undefined;
  const hazardous = (token: PsqlToken) => {
    if (token.kind === 'meta') return mayDoHarm(token);
    return token.kind === 'ambiguous' || mayHoldBackslash(token.name);
  };
  const masked = maskedLines(text);
  const barriers = merged(masked.live, copyEnds);
  const separators = linesWithSeparators(text);
  const walk = new Walk(
    text,
    barriers,
    separators,
    masked.starts,
    lines ?? scanPsqlLines(text).lines,
  );
  const live = new Set(masked.live);
  while (walk.start <= stop) {
    if (walk.skipQuietLines() > stop) break;
    if (atOnce && walk.readOthersAtOnce(stop, hazardous)) continue;
    const lineStart = walk.start;
    const line = walk.nextLine();
    if (isCopyEnd(line)) {
      walk.afterCopyEnd();
      continue;
    }
    if (!LEXICAL.test(line)) continue; // every reading leaves each state as it is, finding nothing
    // Only a line some masked reading may lex otherwise is measured again, to make them.
    const variants = live.has(lineStart) ? liveVariants(line) : NONE;
    if (walk.readsAsReference(line, variants, lineStart)) continue;
    const scanned = walk.scanned(lineStart);
    const read = readLine(
      line,
      walk.lineNo,
      walk.reference,
      walk.others,
      hazardous,
      variants,
      scanned,
    );
    if ('hidden' in read) return read.hidden;
    walk.readOn(read.reference, read.others);
  }
  return undefined;
}

/**
 * Where the readings of a text are, line by line. Each line costs the same however many states
 * the walk holds: `\.` lines put every state seen so far in `others` once, not again per line.
 */
class Walk {
  start = 0;
  lineNo = 0;
  /** The state the reference reading starts the current line in. */
  reference = '';
  /** States other readings start the line in, each with where such a reading first left. */
  others = new Map<string, From>();
  /** Every state a line started in so far, in any reading: where a COPY line may have ended. */
  readonly seen = new SeenStates();
  /** How many of `seen`, in order, `others` holds since a line was last read every way. */
  private copied = 0;
  /** Whether `seen` has every state of `others`. */
  private othersSeen = true;
  /** What could end the states of `others` (lib/psql/guard/line-readings.ts closerOf). */
  private closers = new Set<string>();
  private readonly stops: number[];
  private nextStop = 0;
  private nextBarrier = 0;
  private nextSeparator = 0;
  /** How many bytes readOthersAtOnce scans next: more while the other reading stays open. */
  private budget = MIN_AT_ONCE;
  private nextMasked = 0;
  private readonly nextAt = new Map<string, number>();
  private lineOf = { at: -1, start: 0 };
  /** The reference reading's state at each line start, from the scan of the whole text. */
  private readonly lines: LineStateCursor;
  /** Whether that scan kept some comment's state only by its kind. */
  private readonly full: boolean;
  private readonly meet = (state: string) => this.seen.add(state);

  /**
   * `barriers`: the starts of the lines a masked reading may lex otherwise and of `\.` lines,
   * in order (one may come twice); `separators`: the starts of the lines with a `\\`, `\;` or
   * `\:` (linesWithSeparators); `masked`: of the lines a client encoding masks ASCII bytes of,
   * where every masked byte is inert (and those that are not), in order, which read as the
   * reference does unless another reading is open (lib/psql/guard/masked-lines.ts); `lines`:
   * the states the reference reading starts lines in.
   */
  constructor(
    private readonly text: string,
    private readonly barriers: number[],
    private readonly separators: number[],
    private readonly masked: number[],
    lines: LineStateIndex,
  ) {
    this.stops = merged(barriers, separators);
    this.lines = new LineStateCursor(lines);
    this.full = lines.full;
  }

  /**
   * Whether the line just taken (nextLine) has only the reference reading, which leaves the
   * next line in the state the scan found there: no other reading is open, no masked reading
   * lexes otherwise, and a command failing on it (which ends the line in nothing open) leaves
   * what the reference leaves: the line ends in nothing open, has no `\\`, `\;` or `\:`, or
   * has no command the scan found (none to fail). Then reading it would find nothing and change no state: the
   * reference goes on in the state the scan found the next line in.
   */
  readsAsReference(line: string, variants: MaskedLine[], lineStart: number): boolean {
    if (this.others.size > 0 || variants.length > 0) return false;
    const next = this.lines.peek(this.start);
    if (next !== '' && BACK_TO_SQL.test(line) && this.mayFail(lineStart)) return false;
    this.reference = next;
    return true;
  }

  /**
   * Whether a command on the line starting at `lineStart` (the line just taken) could fail, as
   * the scan found one there. Where the scan kept a comment's state only by its kind
   * (LineStateIndex.full) the line is read every way instead.
   */
  private mayFail(lineStart: number): boolean {
    return this.full || this.lines.commandWithin(lineStart, this.start);
  }

  /**
   * What the scan found of the reference's reading of the line just taken (nextLine), which
   * starts at `lineStart`: exact where the reference starts it in the state the scan found
   * there and the scan kept every state whole (not `full`), and the line ends in a newline (a
   * last line without one leaves open what the scan, at the end of the text, does not note).
   * Else the line is lexed again.
   */
  scanned(lineStart: number): ScannedLine | undefined {
    if (this.full || this.text.charCodeAt(this.start - 1) !== 10) return undefined;
    if (this.lines.peek(lineStart) !== this.reference) return undefined;
    return {
      reopen: this.lines.peek(this.start),
      command: this.lines.commandWithin(lineStart, this.start),
    };
  }

  /** After a line read every way: the states the readings go on from. */
  readOn(reference: string, others: Map<string, From>): void {
    this.reference = reference;
    this.others = others;
    this.copied = 0;
    this.othersSeen = false;
    // Most lines read every way leave the states they found: their closers are kept.
    if (others.size !== this.closers.size || !this.closersOf(others)) {
      this.closers = new Set([...others.keys()].map(closerOf));
    }
  }

  /**
   * Reads the lines ahead with every other reading lexed in one scan of them
   * (lib/psql/guard/one-reading.ts), up to a line read masked or a `\\.` line, and leaves the
   * readings as reading them a line at a time would: line by line, the states the readings
   * start it in are seen, and the next line's states are what statesAfter makes of where the
   * reference (the scan's states) and the other readings end the line. Stops after a line that
   * ends the other readings or opens one more, and before a line where one of them finds a
   * hazardous token: a line at a time tells whether the reference finds it too. Whether it
   * read a line. `last`: where the last thing a reading could find is.
   */
  readOthersAtOnce(last: number, hazardous: (token: PsqlToken) => boolean): boolean {
    const { text, start: from, others: open } = this;
    // A line may add one state (a dropped line's ''): one more than MAX_STATES is refused on
    // the line that makes it, which a line at a time finds.
    if (open.size === 0 || open.size >= MAX_STATES || this.full) return false;
    if (this.lines.peek(from) !== this.reference) return false;
    const to = this.atOnceEnd(last);
    // A reading whose closer is nowhere in the lines stays as it is: it needs no scan.
    const active = (state: string) => closerOf(state) === '\n' || this.next(closerOf(state)) < to;
    const readings =
      to > from ? ReadingsAtOnce.start({ text, from, to }, open, active, hazardous) : undefined;
    if (!readings) return false;
    let at = from;
    let others: Map<string, From> | undefined;
    while (at < to && !others) {
      const end = text.indexOf('\n', at) + 1;
      if (readings.firstHazard < end) break;
      // As nextLine: the reference's states (its runs met so far; this.reference is one of
      // them, or nothing open), then the other readings'.
      this.lines.advanceTo(at, this.meet);
      readings.meet(this.meet);
      this.lineNo++;
      const separator = this.isSeparatorLine(at);
      const reopen = this.lines.peek(end);
      const ref = { reopen, command: separator && this.lines.commandWithin(at, end) };
      others = readings.endLine(at, end, ref, separator, this.lineNo);
      this.reference = reopen;
      at = end;
    }
    const read = at === to && !others ? this.budget : at - from;
    this.budget = Math.min(Math.max(2 * read, MIN_AT_ONCE), MAX_AT_ONCE);
    if (at === from) return false;
    this.start = at;
    this.readOn(this.reference, others ?? readings.others());
    return true;
  }

  /**
   * Where readOthersAtOnce's scan ends: a line start after a newline, before the next line read
   * masked or `\.` line, past the line of `last`, and about `budget` bytes on (a whole line).
   */
  private atOnceEnd(last: number): number {
    const { barriers, text } = this;
    while ((barriers[this.nextBarrier] ?? text.length) < this.start) this.nextBarrier++;
    const firstLine = text.indexOf('\n', this.start) + 1;
    const lastLine = text.indexOf('\n', last) + 1 || text.length;
    const end = Math.min(
      barriers[this.nextBarrier] ?? text.length,
      Math.max(this.start + this.budget, firstLine),
      lastLine,
    );
    return text.lastIndexOf('\n', end - 1) + 1;
  }

  /** Whether the line starting at `at` has a `\\`, `\;` or `\:` (asked in increasing order). */
  private isSeparatorLine(at: number): boolean {
    const { separators } = this;
    while ((separators[this.nextSeparator] ?? Number.POSITIVE_INFINITY) < at) this.nextSeparator++;
    return separators[this.nextSeparator] === at;
  }

  /**
   * Whether `closers`, as many as `others` has states, hold each state's closer: then they are
   * those closers, or one more where two states share one, which only stops the walk at more
   * lines than it needs to.
   */
  private closersOf(others: Map<string, From>): boolean {
    for (const state of others.keys()) if (!this.closers.has(closerOf(state))) return false;
    return true;
  }

  /**
   * Up to the next line some reading reads otherwise, or that could end what another reading
   * has open (inert), the other readings stay as they are: the reference goes on as the scan
   * of the whole text read it, and every state a line starts in on the way is seen.
   */
  skipQuietLines(): number {
    while ((this.stops[this.nextStop] ?? this.text.length) < this.start) this.nextStop++;
    let end = Math.min(this.stops[this.nextStop] ?? this.text.length, this.nextLineToRead());
    // A masked line whose masked bytes are all inert reads as the reference does while no other
    // reading is open: it finds nothing, and leaves the state the scan found after it (which is
    // exact unless the scan kept a comment only by its kind, `full`). Then it is passed over.
    if (this.others.size > 0 || this.full) {
      while ((this.masked[this.nextMasked] ?? this.text.length) < this.start) this.nextMasked++;
      end = Math.min(end, this.masked[this.nextMasked] ?? this.text.length);
    }
    if (end === this.start) return end;
    this.reference = this.lines.advanceTo(end, this.meet);
    this.lineNo += countNewlines(this.text, this.start, end);
    this.start = end;
    return end;
  }

  /** The start of the next line that could end what another reading has open. */
  private nextLineToRead(): number {
    // A reading with nothing open may find something on any line: the next one is read.
    if (this.closers.has('\n')) return this.start;
    let at = this.text.length;
    for (const closer of this.closers) at = Math.min(at, this.next(closer));
    if (at === this.text.length) return at;
    // The line of `at` stays the same over many steps: remembered, not looked up again.
    if (this.lineOf.at !== at) this.lineOf = { at, start: this.text.lastIndexOf('\n', at - 1) + 1 };
    return Math.max(this.start, this.lineOf.start);
  }

  /** Where `c` next occurs from the current line on (remembered: the walk only goes forward). */
  private next(c: string): number {
    const known = this.nextAt.get(c);
    if (known !== undefined && known >= this.start) return known;
    const found = this.text.indexOf(c, this.start);
    const at = found < 0 ? this.text.length : found;
    this.nextAt.set(c, at);
    return at;
  }

  /**
   * Past a `\.` line: psql either ended COPY data there and goes on from the state its COPY
   * line ended in (some state a line started in before), or was not in COPY and read `\.` as
   * an unknown command, or inside what was open. The reference goes on from nothing open.
   * The states an earlier `\.` line put in `others` are there still: only newer ones are added.
   */
  afterCopyEnd(): void {
    const states = this.seen.inOrder;
    for (; this.copied < states.length; this.copied++) {
      const state = states[this.copied] as string;
      if (state === '' || this.others.has(state)) continue;
      this.others.set(state, { line: this.lineNo, copy: true });
      this.closers.add(closerOf(state));
    }
    if (this.others.delete('')) this.closers.delete(closerOf(''));
    this.reference = '';
  }

  /** The next line, without its newline; notes the states it starts in. */
  nextLine(): string {
    this.lines.advanceTo(this.start, this.meet);
    this.seen.add(this.reference);
    // A `\.` line only adds states `seen` has: a line read every way may add others.
    if (!this.othersSeen) for (const state of this.others.keys()) this.seen.add(state);
    this.othersSeen = true;
    const nl = this.text.indexOf('\n', this.start);
    const line = this.text.slice(this.start, nl < 0 ? this.text.length : nl);
    this.start = nl < 0 ? this.text.length : nl + 1;
    this.lineNo++;
    return line;
  }
}

/** States in the order first met (the scan's line states, and each reading's at lines read). */
class SeenStates {
  private readonly known = new Set<string>(['']);
  readonly inOrder: string[] = [''];

  add(state: string): void {
    if (this.known.has(state)) return;
    this.known.add(state);
    this.inOrder.push(state);
  }
}

/**
 * The starts of the lines with a `\\`, `\;` or `\:`: after a command, SQL follows them, unless
 * the command fails and psql drops the rest of the line.
 */
function linesWithSeparators(text: string): number[] {
  const starts: number[] = [];
  const separator = new RegExp(BACK_TO_SQL.source, 'g');
  // One look back per line (test() makes no match object): past a match the search goes on
  // from the end of its line, so no line is looked back over twice.
  while (separator.test(text)) {
    const at = separator.lastIndex - 2;
    starts.push(text.lastIndexOf('\n', at) + 1);
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    separator.lastIndex = nl + 1;
  }
  return starts;
}

/** Two increasing lists as one. */
function merged(a: number[], b: number[]): number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i] ?? Number.POSITIVE_INFINITY;
    const y = b[j] ?? Number.POSITIVE_INFINITY;
    out.push(Math.min(x, y));
    if (x <= y) i++;
    else j++;
  }
  return out;
}

/**
 * Where the last thing a reading could find is: a backslash, or a `:name` that may hold one (or
 * has non-ASCII text in it, which a masked reading may read as another name). -1 if none, or if
 * the text has no other reading (no non-ASCII byte, no `\.` line, no `\\`, `\;` or `\:`).
 */
function lastFindable(
  text: string,
  copies: boolean,
  mayHoldBackslash: (name: string) => boolean,
): number {
  if (!copies && !/[\x80-\xff]/.test(text) && !BACK_TO_SQL.test(text)) return -1;
  let last = text.lastIndexOf('\\');
  // Only a `:name` after the last backslash can move `last`, and a match starts at its `:`,
  // which no name holds: the search starts there, past the `:05` of every timestamp before.
  const names = /:([A-Za-z0-9_\x80-\xff]+)/g;
  names.lastIndex = last + 1;
  for (let m = names.exec(text); m; m = names.exec(text)) {
    const name = m[1] as string;
    if (/[\x80-\xff]/.test(name) || mayHoldBackslash(name)) last = m.index;
  }
  return last;
}
