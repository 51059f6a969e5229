import { request } from 'undici';
import type { JobEvent, JobStatus } from '../../lib/schema-types.js';
import { query } from './postgres.js';

/**
 * Many clients against one engine, each learning what became of its own jobs the way a real
 * client does: by polling the job's status, or by following its events stream. Reusable by
 * load and chaos tests: the engine is reached through `api`, read at every request (a test
 * that restarts the engine can point it elsewhere).
 */

export interface ClientApi {
  url(path: string): string;
  authToken: string;
}

export type ClientMode = 'poll' | 'follow';

export interface ClientsOptions {
  clients: number;
  /** Clients stop submitting after this long (ms); jobs they started are still followed. */
  durationMs: number;
  /** How client `i` learns outcomes (default: even clients poll, odd ones follow). */
  mode?: (client: number) => ClientMode;
  /** The request body of client `client`'s `n`-th job (prepare_kind psql is added). */
  body: (client: number, n: number) => Record<string, unknown>;
  /** Time between two polls of a polling client (ms, default 250). */
  pollMs?: number;
}

/** What one client learned of one job it submitted. */
export interface Learned {
  client: number;
  mode: ClientMode;
  /** The POST's HTTP status (202 accepted, 503 busy, ...), or 0 when it got no answer. */
  submitted: number;
  jobId?: string;
  /** The job's outcome as the client learned it; `lost` when it never could. */
  outcome?: 'succeeded' | 'failed' | 'lost';
  dsn?: string;
  error?: { code: string; message: string };
  /** Why the outcome was lost (a 404, a stream without its terminal event, a network error). */
  lostBecause?: string;
}

async function call(api: ClientApi, method: string, path: string, body?: unknown) {
  const res = await request(api.url(path), {
    method: method as 'GET',
    headers: { authorization: `Bearer ${api.authToken}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the job's status until it has finished. */
async function poll(api: ClientApi, learned: Learned, pollMs: number): Promise<void> {
  for (;;) {
    const res = await call(api, 'GET', `/v1/prepare-jobs/${learned.jobId}`);
    if (res.status !== 200) {
      learned.outcome = 'lost';
      learned.lostBecause = `status answered ${res.status}`;
      return;
    }
    const job = JSON.parse(res.text) as JobStatus;
    if (job.status === 'succeeded' || job.status === 'failed') {
      learned.outcome = job.status;
      learned.dsn = job.result?.dsn;
      if (job.error) learned.error = { code: job.error.code, message: job.error.message };
      return;
    }
    await sleep(pollMs);
  }
}

/** Follows the job's events stream to its end: the last event must be the terminal one. */
async function follow(api: ClientApi, learned: Learned): Promise<void> {
  const res = await call(api, 'GET', `/v1/prepare-jobs/${learned.jobId}/events`);
  const last = res.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobEvent)
    .at(-1);
  if (res.status === 200 && last?.type === 'result') {
    learned.outcome = 'succeeded';
    learned.dsn = last.result?.dsn;
  } else if (res.status === 200 && last?.type === 'error' && last.error) {
    learned.outcome = 'failed';
    learned.error = { code: last.error.code, message: last.error.message };
  } else {
    learned.outcome = 'lost';
    learned.lostBecause = `events answered ${res.status}, ending in ${last?.type ?? 'nothing'}`;
  }
}

async function runClient(api: ClientApi, client: number, opts: ClientsOptions, until: number) {
  const mode = (opts.mode ?? ((i) => (i % 2 === 0 ? 'poll' : 'follow')))(client);
  const learnedAll: Learned[] = [];
  for (let n = 0; Date.now() < until; n++) {
    const learned: Learned = { client, mode, submitted: 0 };
    learnedAll.push(learned);
    try {
      const res = await call(api, 'POST', '/v1/prepare-jobs', {
        prepare_kind: 'psql',
        ...opts.body(client, n),
      });
      learned.submitted = res.status;
      if (res.status !== 202) continue;
      learned.jobId = JSON.parse(res.text).job_id;
      if (mode === 'poll') await poll(api, learned, opts.pollMs ?? 250);
      else await follow(api, learned);
    } catch (err) {
      if (learned.submitted === 202) {
        learned.outcome = 'lost';
        learned.lostBecause = String(err);
      }
    }
  }
  return learnedAll;
}

/** Runs the clients until `durationMs` has passed and each has learned its last job's end. */
export async function runClients(api: ClientApi, opts: ClientsOptions): Promise<Learned[]> {
  const until = Date.now() + opts.durationMs;
  const all = await Promise.all(
    Array.from({ length: opts.clients }, (_, i) => runClient(api, i, opts, until)),
  );
  return all.flat();
}

/** The DSNs among `learned` that cannot be connected to, with the server's words. */
export async function deadDsns(learned: Learned[], parallel = 8): Promise<string[]> {
  const dsns = learned.flatMap((l) => (l.dsn ? [l.dsn] : []));
  const dead: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < dsns.length) {
      const dsn = dsns[next++] as string;
      await query(dsn, 'select 1').catch((err: Error) => dead.push(`${dsn}: ${err.message}`));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return dead;
}
