import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sqlrsError, toErrorBody } from '../lib/errors.js';
import { DEFAULT_MAX_BODY_BYTES, type Dispatch } from './dispatch.js';
import type { HandlerResponse } from './types.js';

export interface HttpServerOptions {
  maxBodyBytes?: number;
  /** Called with +1 when a request arrives and -1 when its response is finished or aborted. */
  onActivity?: (delta: 1 | -1) => void;
}

/** The node:http adapter: reads the body (bounded), dispatches, writes JSON or a stream. */
export function createHttpServer(dispatch: Dispatch, opts: HttpServerOptions = {}): Server {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return createServer((req, res) => {
    opts.onActivity?.(1);
    res.once('close', () => opts.onActivity?.(-1));
    serve(req, res, dispatch, maxBody).catch(() => res.destroy());
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, dispatch: Dispatch, max: number) {
  const body = await readBody(req, max);
  if (body === 'too_large') {
    const err = sqlrsError('payload_too_large', `request body larger than ${max} bytes`);
    // The rest of the upload is not read; closing the connection is the only honest answer.
    res.setHeader('connection', 'close');
    return writeResponse(res, { status: 413, body: toErrorBody(err) });
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers))
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const response = await dispatch({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    body: body.length > 0 ? body : undefined,
    signal: clientGone(res),
  });
  await writeResponse(res, response);
}

/** Aborted when the connection closes before the response is finished: the client left. */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  if (res.destroyed) gone.abort();
  else res.once('close', () => !res.writableFinished && gone.abort());
  return gone.signal;
}

const NO_BODY = Buffer.alloc(0);

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return 'too_large';
  // A request that declares no body (a GET) has none: no need to wait for its end.
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return NO_BODY;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return 'too_large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function writeResponse(res: ServerResponse, r: HandlerResponse): Promise<void> {
  for (const [k, v] of Object.entries(r.headers ?? {})) res.setHeader(k, v);
  if (r.stream) return writeStream(res, r.status, r.stream);
  if (r.chunks) return writeChunks(res, r.status, r.chunks);
  if (r.body === undefined) {
    res.writeHead(r.status).end();
    return;
  }
  const text = JSON.stringify(r.body);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.writeHead(r.status).end(text);
}

/**
 * A body already encoded, in pieces: with its length, corked so that the pieces leave in one
 * vectored write instead of one write each.
 */
function writeChunks(res: ServerResponse, status: number, chunks: readonly Uint8Array[]) {
  let length = 0;
  for (const c of chunks) length += c.length;
  res.setHeader('content-length', length);
  res.writeHead(status);
  res.cork();
  for (const c of chunks) res.write(c);
  res.end();
}

/** Resolves when the response can take more (or is gone); leaves no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Up to this much may wait in the response's buffer before the next chunk is pulled: enough
 * for several list pages per wait (a cached listing is sent at the socket's pace), little
 * enough that a slow client holds a bounded amount of memory.
 */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** Streams chunks with backpressure; stops pulling (and closes the source) if the client leaves. */
async function writeStream(
  res: ServerResponse,
  status: number,
  stream: AsyncIterable<string | Uint8Array>,
) {
  res.writeHead(status);
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (res.destroyed) return;
      const next = await iterator.next();
      if (next.done) break;
      res.write(next.value);
      if (res.writableLength > MAX_BUFFERED) await drained(res);
    }
    res.end();
  } catch {
    // The response has started: the only way to tell the client it is incomplete is to cut it.
    res.destroy();
  } finally {
    await iterator.return?.();
  }
}
