import { LineStateCursor, LineStateIndex } from '../scan/line-states.js';
import { type PsqlToken, scanPsqlTo } from '../scan/scanner.js';
import { type From, type ScannedLine, statesAfter } from './line-readings.js';

/**
 * One reading of many lines, lexed in one scan: the lines from `from` up to `to` read from
 * `state`, as psql would read them if it started the line at `from` in that state. The result
 * is what a line at a time would give (lib/psql/guard/line-readings.ts readLine lexes
 * `state + line` for each), because psql carries nothing between lines but what is open,
 * which is what the scan of the whole text notes at each line start
 * (lib/psql/scan/line-states.ts); the walk of the readings trusts the same for the reference.
 *
 * Past a `\.` line of a dump with more than one table, the reading where psql was not in COPY
 * is open over all the data after it; a scan of it costs what the scan of the text costs,
 * where a line at a time costs that several times over.
 */
export interface OneReading {
  /** The state the reading starts the line at `at` in (`from` < `at` <= `to`; increasing). */
  stateAt(at: number): string;
  /** Whether the reading finds a command starting from `start` up to `end` (increasing). */
  commandWithin(start: number, end: number): boolean;
  /** Where the first token `hazardous` takes starts (its literal, for an ambiguous one); `to` if none. */
  firstHazard: number;
}

/**
 * The reading of `text` from `from` (a line start) to `to` (a line start after a newline, no
 * `\.` line between) from `state`. Undefined when the scan would keep a comment's state only
 * by its kind (LineStateIndex.full): then lines are read one at a time.
 */
export function readOneWay(
  text: string,
  from: number,
  to: number,
  state: string,
  hazardous: (token: PsqlToken) => boolean,
): OneReading | undefined {
  const shift = state.length - from;
  const index = new LineStateIndex();
  let firstHazard = to;
  const sink = {
    push(token: PsqlToken) {
      if (firstHazard === to && hazardous(token)) firstHazard = token.start - shift;
    },
  };
  // What is open at `from` is opened by its own text, as readLine does for one line; a `\.`
  // line ends no range, so none is searched for.
  const { reopen } = scanPsqlTo(`${state}${text.slice(from, to)}`, index, sink, []);
  if (index.full) return undefined;
  const cursor = new LineStateCursor(index);
  const none = () => undefined;
  return {
    stateAt: (at) => (at === to ? reopen : cursor.advanceTo(at + shift, none)),
    commandWithin: (start, end) => cursor.commandWithin(start + shift, end + shift),
    firstHazard,
  };
}

/** More readings open at once than this are read a line at a time. */
const MAX_SCANNED = 4;

/** A reading followed over the lines: `read` from its scan, or none while it cannot change. */
interface Reader {
  state: string;
  from: From;
  read?: OneReading;
  next: string;
  /** Whether the walk has not met `state` since the reading came into it. */
  unmet: boolean;
}

/**
 * The other readings of the lines from `from` to `to`, each lexed in one scan, or none for a
 * reading that is `active` in none of them (nothing there can end what it has open). Taken a
 * line at a time (endLine), as lib/psql/guard/line-readings.ts readLine would leave them.
 */
export class ReadingsAtOnce {
  /** Where the first hazardous token of any reading starts (`to` if none). */
  readonly firstHazard: number;

  private constructor(private readers: Reader[]) {
    this.firstHazard = Math.min(...readers.map((r) => r.read?.firstHazard ?? Infinity));
  }

  static start(
    range: { text: string; from: number; to: number },
    others: Map<string, From>,
    active: (state: string) => boolean,
    hazardous: (token: PsqlToken) => boolean,
  ): ReadingsAtOnce | undefined {
    const readers: Reader[] = [];
    let scanned = 0;
    for (const [state, from] of others) {
      if (!active(state)) {
        readers.push({ state, from, next: state, unmet: true });
        continue;
      }
      if (++scanned > MAX_SCANNED) return undefined;
      const read = readOneWay(range.text, range.from, range.to, state, hazardous);
      if (!read) return undefined;
      readers.push({ state, from, read, next: state, unmet: true });
    }
    return scanned > 0 ? new ReadingsAtOnce(readers) : undefined;
  }

  /**
   * Hands `meet` the states the readings start the current line in, in their order, but those
   * it was handed before and the reading has been in since: it has them.
   */
  meet(meet: (state: string) => void): void {
    for (const r of this.readers) {
      if (r.unmet) meet(r.state);
      r.unmet = false;
    }
  }

  /** The readings as the walk keeps them. */
  others(): Map<string, From> {
    return new Map(this.readers.map((r) => [r.state, r.from]));
  }

  /**
   * After the line from `at` to `end`, which the reference ends as `ref` says and which has a
   * `\\`, `\;` or `\:` if `separator`: undefined while the readings go on as scanned (fewer,
   * where some join), else the other readings after it (none, or one no scan follows).
   */
  endLine(
    at: number,
    end: number,
    ref: ScannedLine,
    separator: boolean,
    lineNo: number,
  ): Map<string, From> | undefined {
    for (const r of this.readers) r.next = r.read ? r.read.stateAt(end) : r.state;
    if (!separator && this.apart(ref.reopen)) {
      for (const r of this.readers) {
        if (r.state !== r.next) r.unmet = true;
        r.state = r.next;
      }
      return undefined;
    }
    const ends = this.readers.map((r) => ({
      reopen: r.next,
      from: r.from,
      command: separator && (r.read?.commandWithin(at, end) ?? false),
    }));
    const next = statesAfter(ref, separator, ends, lineNo);
    const kept: Reader[] = [];
    for (const [state, from] of next) {
      const r = this.readers.find((x) => x.next === state);
      if (!r) return next;
      kept.push({ state, from, read: r.read, next: state, unmet: true });
    }
    if (kept.length === 0) return next;
    this.readers = kept;
    return undefined;
  }

  /** Whether the readings end the line in states apart, and none in the reference's. */
  private apart(reference: string): boolean {
    const { readers } = this;
    for (let i = 0; i < readers.length; i++) {
      const next = (readers[i] as Reader).next;
      if (next === reference) return false;
      for (let j = 0; j < i; j++) if ((readers[j] as Reader).next === next) return false;
    }
    return true;
  }
}
