import type { JobEvent } from '../lib/schema-types.js';

export interface ProgressOptions {
  /** A terminal: one line redrawn in place with a spinner. */
  tty: boolean;
  /** One line per event, log lines included. */
  verbose: boolean;
  write: (s: string) => void;
  now?: () => number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Progress of a job on stderr (docs/cli.md): current task, step n of m, elapsed time. On a TTY a
 * spinner line is redrawn; otherwise (or with -v) one plain line per event. Heartbeats (a task
 * repeating its status) are shown only as time passing, never as new lines.
 */
export class Progress {
  private readonly started: number;
  private current = 'queued';
  private steps = 0;
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private lastLine = '';
  private firstTs?: number;
  /** A question is on the terminal: nothing is written over it (docs/cli.md, Ctrl+C). */
  private held = false;
  private ended = false;

  constructor(private readonly opts: ProgressOptions) {
    this.started = this.now();
    this.startTimer();
  }

  private get spinning(): boolean {
    return this.opts.tty && !this.opts.verbose;
  }

  private startTimer(): void {
    if (!this.spinning) return;
    this.timer = setInterval(() => this.redraw(), 100);
    this.timer.unref();
  }

  /**
   * Clears the line and writes nothing until `resume()`: a prompt on the same terminal stays
   * readable. Events still update what the next redraw shows.
   */
  hold(): void {
    if (this.held) return;
    this.held = true;
    clearInterval(this.timer);
    if (this.spinning) this.opts.write('\r\x1b[2K');
  }

  resume(): void {
    if (!this.held || this.ended) return;
    this.held = false;
    this.startTimer();
    if (this.spinning) this.redraw();
  }

  private now() {
    return this.opts.now?.() ?? Date.now();
  }

  private elapsed(): string {
    return `${((this.now() - this.started) / 1000).toFixed(1)}s`;
  }

  /**
   * Time since the first event, by the events' own times: a replayed job (`sqlrs watch` of one
   * that has finished) shows when each thing happened, not 0.0s for all.
   */
  private elapsedAt(ev: JobEvent): string {
    const ts = Date.parse(ev.ts);
    if (Number.isNaN(ts)) return this.elapsed();
    this.firstTs ??= ts;
    return `${((ts - this.firstTs) / 1000).toFixed(1)}s`;
  }

  private describe(taskId: string): string {
    const m = /^execute-(\d+)$/.exec(taskId);
    return m ? `${taskId} (step ${Number(m[1]) + 1} of ${this.steps || '?'})` : taskId;
  }

  event(ev: JobEvent, stepCount?: number): void {
    if (stepCount) this.steps = stepCount;
    if (ev.type === 'task' && ev.task_id) {
      this.current = `${this.describe(ev.task_id)} ${ev.status}`;
    } else if (ev.type === 'status') {
      this.current = `job ${ev.status}`;
    }
    if (this.spinning) {
      if (!this.held) this.redraw();
      return;
    }
    const line = this.plainLine(ev);
    if (this.held) return;
    if (line && line !== this.lastLine) this.opts.write(`${line}\n`);
    if (line) this.lastLine = line;
  }

  private plainLine(ev: JobEvent): string | undefined {
    if (ev.type === 'log') return this.opts.verbose ? `  ${ev.task_id}: ${ev.message}` : undefined;
    if (ev.type === 'task' || ev.type === 'status')
      return `${this.current} [${this.elapsedAt(ev)}]`;
    return undefined;
  }

  private redraw(): void {
    const spin = SPINNER[this.frame++ % SPINNER.length];
    this.opts.write(`\r\x1b[2K${spin} ${this.current} [${this.elapsed()}]`);
  }

  done(): void {
    clearInterval(this.timer);
    if (this.spinning && !this.held) this.opts.write('\r\x1b[2K');
    this.held = true;
    this.ended = true;
  }
}
