/**
 * The states lines start in (what is open there: a literal, a dollar-quoted body, a comment),
 * by offset, as the scan of a whole script finds them (lib/psql/scan/scanner.ts scanPsqlLines).
 * lib/psql/guard/hidden-commands.ts reads them where it would otherwise lex the script again:
 * the scan that finds a script's commands is the only pass that lexes all of it.
 *
 * Kept as runs: consecutive line starts in one state are one entry, so a literal over a
 * million lines costs one.
 */

/** More distinct states than this and a comment's state is kept only by its kind (`/*`). */
const MAX_KEPT = 17;

export class LineStateIndex {
  /** First and last line start of each run, and its state (never ''), in text order. */
  readonly firsts: number[] = [];
  readonly lasts: number[] = [];
  readonly states: string[] = [];
  /** Where the lines that end COPY data (`\.`) start, as the scan found them (copyEndStarts). */
  copyEnds: number[] = [];
  /** Where the meta-commands the scan found start, in order. */
  readonly commands: number[] = [];
  private readonly distinct = new Set<string>();

  /**
   * Past MAX_KEPT distinct states a state more matters only by its kind (the guard refuses a
   * `\.` line with that many ways to read the line after it): a comment nested a level deeper
   * on each of many lines would otherwise keep a state as long as its depth per line.
   */
  get full(): boolean {
    return this.distinct.size > MAX_KEPT;
  }

  command(at: number): void {
    this.commands.push(at);
  }

  /**
   * The lines starting from `first` through `last` start in `state`; `before` is the start of
   * the line before `first`. A run goes on only from the line right before it: a line between
   * two constructs in one state starts in nothing open, and merged into their run it would read
   * as inside the literal, where a command on it is the reference's own (not a hidden one).
   */
  add(state: string, first: number, last: number, before: number): void {
    const n = this.states.length - 1;
    if (n >= 0 && this.states[n] === state && this.lasts[n] === before) {
      this.lasts[n] = last;
      return; // the run's state is known already
    } else {
      this.firsts.push(first);
      this.lasts.push(last);
      this.states.push(state);
    }
    this.distinct.add(state);
  }
}

/** Walks a LineStateIndex forward: the state at a line start, and the states met on the way. */
export class LineStateCursor {
  private next = 0;
  private nextCommand = 0;

  constructor(private readonly index: LineStateIndex) {}

  /**
   * Whether the scan found a meta-command starting from `from` up to `to` (at least the last
   * `to` asked).
   */
  commandWithin(from: number, to: number): boolean {
    const { commands } = this.index;
    while ((commands[this.nextCommand] ?? to) < from) this.nextCommand++;
    return (commands[this.nextCommand] ?? to) < to;
  }

  /** The state the line starting at `at` (at least the last `at` asked) starts in; moves nothing. */
  peek(at: number): string {
    const { firsts, lasts, states } = this.index;
    let k = this.next;
    while (k < states.length && (firsts[k] as number) <= at) k++;
    const last = k - 1;
    return last >= 0 && (lasts[last] as number) >= at ? (states[last] as string) : '';
  }

  /**
   * The state the line starting at `at` starts in (at least the last `at` asked), after
   * handing `meet` every state of a run that starts at or before it, once each, in order.
   */
  advanceTo(at: number, meet: (state: string) => void): string {
    const { firsts, lasts, states } = this.index;
    let k = this.next;
    for (; k < states.length && (firsts[k] as number) <= at; k++) meet(states[k] as string);
    this.next = k;
    const last = k - 1;
    return last >= 0 && (lasts[last] as number) >= at ? (states[last] as string) : '';
  }
}
