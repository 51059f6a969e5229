import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Progress } from './progress.js';

export interface CancelPromptOptions {
  jobId: string;
  /** The terminal to ask on (the CLI's stdin); without a TTY there is no asking. */
  input: Readable & { isTTY?: boolean };
  /** Where the question goes (stderr, where progress is drawn). */
  output: Writable;
  progress: Progress;
  err: (s: string) => void;
  /** Asks the engine to cancel the job. */
  cancel: () => Promise<unknown>;
}

/**
 * What Ctrl+C does while a job is followed (docs/cli.md): on a terminal, hold the progress line
 * and ask whether to cancel; a second Ctrl+C (at the prompt, or as a signal) cancels at once;
 * without a terminal, cancel. Cancelling happens once.
 */
export class CancelPrompt {
  private rl?: Interface;
  private cancelled = false;

  constructor(private readonly opts: CancelPromptOptions) {}

  /** One Ctrl+C, whether it came as SIGINT or as a keypress read by the open prompt. */
  interrupt(): void {
    if (this.cancelled) return;
    if (this.rl || !this.opts.input.isTTY) {
      this.close();
      void this.cancelNow();
      return;
    }
    this.ask();
  }

  private ask(): void {
    const { input, output, progress, jobId } = this.opts;
    progress.hold();
    const rl = createInterface({ input, output, terminal: true });
    this.rl = rl;
    // The prompt puts the terminal in raw mode: Ctrl+C then reaches us as a keypress.
    rl.on('SIGINT', () => this.interrupt());
    rl.question(`Cancel job ${jobId}? [y/N] `, (answer) => {
      this.rl = undefined;
      rl.close();
      if (/^y(es)?$/i.test(answer.trim())) void this.cancelNow();
      else progress.resume();
    });
  }

  private async cancelNow(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    this.opts.err(`cancelling job ${this.opts.jobId}\n`);
    await this.opts.cancel().catch((err: Error) => {
      this.opts.err(`could not cancel job ${this.opts.jobId}: ${err.message}\n`);
    });
  }

  /** Takes an unanswered question off the terminal (the job ended, or a second Ctrl+C). */
  close(): void {
    const rl = this.rl;
    if (!rl) return;
    this.rl = undefined;
    this.opts.output.write('\n');
    rl.close();
  }
}
