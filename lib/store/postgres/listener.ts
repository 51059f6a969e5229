import pg from 'pg';

/**
 * A connection of its own that LISTENs on a channel and calls `onChange` with each
 * notification's payload: the change log's sequence number, so a replica follows other
 * engines' writes without waiting for a request (docs/scaling.md), or the id of a job asked to
 * stop (job-board.ts). On any error it connects again after a pause that
 * doubles up to 5 s, and calls `onChange()` once connected (notifications sent while it was
 * away are lost; the log is not).
 */
export class ChangeListener {
  private client?: pg.Client;
  private stopped = false;
  private delay = 100;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onChange: (payload?: string) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'sqlrs-listen' });
    this.client = client;
    let failed = false;
    const fail = (err: Error) => {
      if (failed || this.stopped) return;
      failed = true;
      this.onError(`catalog listener (${this.channel}): ${err.message}; connecting again`);
      client.end().catch(() => undefined);
      this.timer = setTimeout(() => void this.start(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
    client.on('error', fail);
    client.on('end', () => fail(new Error('connection ended')));
    client.on('notification', (n) => this.onChange(n.payload || undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      this.delay = 100;
      this.onChange();
    } catch (err) {
      fail(err as Error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }
}
