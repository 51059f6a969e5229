import type { ImageTarget } from '../../lib/config.js';
import type { DeletionService } from '../../lib/deletion/service.js';
import type { CacheEviction } from '../../lib/lifecycle/eviction.js';
import type { Logger } from '../../lib/logger.js';
import type { JobBoard } from '../../lib/prepare/jobs/job-board.js';
import type { JobManager } from '../../lib/prepare/jobs/job-manager.js';
import type { Validators } from '../../lib/schemas.js';
import type { Store } from '../../lib/store/types.js';
import type { ListCache } from './listing/list-cache.js';

/** A request as every adapter (node:http, Fetch, Lambda) hands it to the dispatcher. */
export interface RawRequest {
  method: string;
  /** Path and query string, exactly as received (not normalized). */
  url: string;
  headers: Record<string, string | undefined>;
  /**
   * The body: already held (a test, a Lambda event's string), or a source the dispatcher reads
   * only once the request has passed the Host, route, token and declared-size checks.
   */
  body?: Uint8Array | string | BodySource;
  /** Aborted when the client goes away before its response is sent (the adapter's to say). */
  signal?: AbortSignal;
}

/**
 * Reads a request body, streamed: stops as soon as more than `max` bytes have come and says
 * 'too_large' without reading the rest. Called at most once, by the dispatcher.
 */
export type BodySource = (max: number) => Promise<Uint8Array | string | 'too_large'>;

/** What a handler sees: plain data, already authenticated, parsed and validated. */
export interface HandlerRequest<Q = Record<string, string>, B = unknown> {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Q;
  headers: Record<string, string | undefined>;
  body: B;
  /** The request carried the engine's token (always true on a route that requires it). */
  authenticated?: boolean;
  /** Aborted when the client is gone: work done only for the response may stop. */
  signal?: AbortSignal;
}

/**
 * A plain response. `stream` (UTF-8 chunks, as strings or already encoded) is for lists and
 * event streams; `chunks` is a body already encoded, in pieces (a kept listing, with its
 * content-type header); else `body` is JSON.
 */
export interface HandlerResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  stream?: AsyncIterable<string | Uint8Array>;
  chunks?: readonly Uint8Array[];
}

export type { Logger } from '../../lib/logger.js';

export interface EngineInfo {
  version: string;
  instanceId: string;
  pid: number;
}

/** Everything a handler may use. Supplied by the engine, a test or a cloud wrapper. */
export interface Deps {
  store: Store;
  validators: Validators;
  clock: () => Date;
  logger: Logger;
  engine: EngineInfo;
  jobs: JobManager;
  /**
   * Other engines' jobs on a shared catalog (docs/scaling.md, "Jobs"), asked for a job this
   * engine does not hold; absent: this engine's jobs only.
   */
  jobBoard?: JobBoard;
  deletion: DeletionService;
  /** The OpenAPI document of this engine's routes (GET /v1/openapi.json). */
  openapi?: () => unknown;
  /** Rendered list pages of the unchanged catalog; absent: render every time. */
  listCache?: ListCache;
  /** The cache budget: usage and eviction passes (GET /v1/cache); absent: 503 there. */
  cache?: CacheEviction;
  /** The configured images and how to ask a server whether it answers (GET /v1/images). */
  images?: {
    targets: readonly ImageTarget[];
    defaultId: string;
    answers: (url: string) => Promise<boolean>;
  };
  /** Databases in the catalog's namespace that the catalog does not know (docs/deletion.md). */
  unknownDatabases?: () => string[];
}

export type Handler<Q = never, B = never> = (
  req: HandlerRequest<Q, B>,
  deps: Deps,
) => Promise<HandlerResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path pattern with `:param` segments, e.g. `/v1/states/:stateId`. */
  pattern: string;
  // biome-ignore lint/suspicious/noExplicitAny: the table holds handlers of many request types
  handler: Handler<any, any>;
  /** false only for /v1/health. */
  auth: boolean;
  /** Schema file that validates the query string (every route has one: unknown params are 400). */
  query: string;
  /** Schema file that validates the JSON body; routes without one take no body. */
  body?: string;
  /** Documented responses: status to schema file (or null for no body); used in tests and docs. */
  responses: Record<number, string | null>;
  summary: string;
}
