import { SqlrsError } from './errors.js';
import { releaseOnExit } from './exit-release.js';
import { Leases } from './leases.js';
import { findOrStartEngine } from './local-engine/discovery.js';
import { localStateDir } from './local-engine/state-dir.js';
import { runPrepareJob } from './prepare-job.js';
import { prepareBody } from './prepare-request.js';
import { type EngineTarget, replyError, Transport } from './transport.js';
import type { ConnectOptions, Database, PrepareOptions, PrepareSpec } from './types.js';

export { CLIENT_CODES, type ClientCode, SqlrsError } from './errors.js';
export type { ConnectOptions, Database, JobEvent, PrepareOptions, PrepareSpec } from './types.js';

const DEFAULT_LEASE_SECONDS = 120;

/**
 * The typed client of a sqlrs engine (docs/client.md, "The JS client"): finds or starts the
 * local engine as the CLI does, prepares databases, and holds what it made on a lease that it
 * renews until release(), close() or the process's exit.
 */
export class Sqlrs {
  private readonly leases: Leases;
  private unhook?: () => void;
  private closed = false;

  private constructor(
    private readonly transport: Transport,
    private readonly target: () => EngineTarget,
    private readonly leaseSeconds: number,
  ) {
    this.leases = new Leases((id, ttl) => this.renew(id, ttl));
  }

  /**
   * Finds or starts the local engine of the state dir exactly as the CLI does
   * (SQLRS_STATE_STORE, the default state dir, engine.json, the spawn lock), or uses
   * { endpoint, token } of a remote engine.
   */
  static async connect(opts: ConnectOptions = {}): Promise<Sqlrs> {
    const leaseSeconds = opts.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    if (!Number.isInteger(leaseSeconds) || leaseSeconds < 3 || leaseSeconds > 2_678_400)
      throw new SqlrsError(
        'invalid_argument',
        'leaseSeconds must be whole seconds from 3 to 2678400',
      );
    if (opts.endpoint !== undefined) return Sqlrs.remote(opts.endpoint, opts.token, leaseSeconds);
    const env = opts.env ?? process.env;
    const stateDir = localStateDir(opts.stateDir, env);
    const find = async (): Promise<EngineTarget> => {
      const ref = await findOrStartEngine(stateDir, env);
      return { origin: `http://${ref.endpoint}`, token: ref.authToken };
    };
    let target = await find();
    const transport = new Transport(target, {
      refind: async () => {
        target = await find();
        return target;
      },
    });
    return new Sqlrs(transport, () => target, leaseSeconds);
  }

  /** A remote engine: health is asked once so that a wrong endpoint fails here, not later. */
  private static async remote(endpoint: string, token: string | undefined, lease: number) {
    const origin = originOf(endpoint);
    const target = { origin, token };
    const transport = new Transport(target);
    const health = await transport.call('GET', '/v1/health');
    if (health.status !== 200) {
      await transport.close();
      throw new SqlrsError('engine_unreachable', `${origin} does not answer as a sqlrs engine`, {
        status: health.status,
        endpoint: origin,
      });
    }
    return new Sqlrs(transport, () => target, lease);
  }

  /** `http://host:port` of the engine (a local engine's may change when it restarts). */
  get endpoint(): string {
    return this.transport.origin;
  }

  async prepare(spec: PrepareSpec, opts: PrepareOptions = {}): Promise<Database> {
    if (this.closed) throw new SqlrsError('invalid_argument', 'this client is closed');
    const leased = opts.keep !== true;
    const ttl = leased ? (opts.ttlSeconds ?? this.leaseSeconds) : opts.ttlSeconds;
    const result = await runPrepareJob(
      this.transport,
      prepareBody(spec, { ...opts, ttlSeconds: ttl }),
      opts,
    );
    const instanceId = result.instance_id;
    if (leased) {
      this.leases.hold(instanceId, ttl as number);
      this.unhook ??= releaseOnExit({
        held: () => this.leases.ids(),
        close: () => this.close(),
        target: this.target,
      });
    }
    let released: Promise<void> | undefined;
    return {
      dsn: result.dsn,
      instanceId,
      stateId: result.state_id,
      release: () => {
        // After close() a leased instance is released already; a kept one needs the client.
        released ??= this.closed && leased ? Promise.resolve() : this.release(instanceId);
        return released;
      },
    };
  }

  /** Releases every instance this client made and still holds, then closes the HTTP pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ids = this.leases.ids();
    const results = await Promise.allSettled(ids.map((id) => this.release(id)));
    this.unhook?.();
    await this.transport.close();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Deletes an instance; one already gone is fine. Sessions still open on it (a pool the caller
   * did not end) block a plain delete (409): the caller is done with the database, so the
   * delete is sent again with `force`, which ends them (docs/deletion.md). Force is not sent
   * first: a forced delete of an idle instance took twice as long (docs/client.md).
   */
  private async release(instanceId: string): Promise<void> {
    this.leases.drop(instanceId);
    const path = `/v1/instances/${instanceId}`;
    let answer = await this.transport.call('DELETE', path);
    if (answer.status === 409) answer = await this.transport.call('DELETE', `${path}?force=true`);
    if (answer.status !== 200 && answer.status !== 404) throw replyError(answer);
  }

  /** One renewal; false when the instance is gone (deleted or reaped). */
  private async renew(instanceId: string, ttlSeconds: number): Promise<boolean> {
    const answer = await this.transport.call('POST', `/v1/instances/${instanceId}/renew`, {
      body: { ttl_seconds: ttlSeconds },
    });
    return answer.status !== 404;
  }
}

/** `127.0.0.1:PORT` or `http://host:port` as an origin. */
function originOf(endpoint: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  try {
    return new URL(withScheme).origin;
  } catch {
    throw new SqlrsError('invalid_argument', `endpoint ${endpoint}: not host:port or a URL`);
  }
}
