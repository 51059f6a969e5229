import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Dispatch } from './dispatch.js';
import type { BodySource, HandlerResponse } from './types.js';

export interface HttpServerOptions {
  /** Called with +1 when a request arrives and -1 when its response is finished or aborted. */
  onActivity?: (delta: 1 | -1) => void;
}

/**
 * The node:http adapter: hands the dispatcher a body source (read only once the request passed
 * its checks, with the cap), then writes JSON or a stream.
 */
export function createHttpServer(dispatch: Dispatch, opts: HttpServerOptions = {}): Server {
  return createServer((req, res) => {
    opts.onActivity?.(1);
    res.once('close', () => opts.onActivity?.(-1));
    serve(req, res, dispatch).catch(() => res.destroy());
  });
}

async function serve(req: IncomingMessage, res: ServerResponse, dispatch: Dispatch) {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers))
    headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const response = await dispatch({
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    headers,
    body: hasBody(req) ? bodySource(req) : undefined,
    signal: clientGone(res),
  });
  // A body left unread (refused before reading, or cut at the cap) is not drained: the
  // connection is closed after the answer instead (docs/api.md, "Bodies").
  if (!req.complete) res.setHeader('connection', 'close');
  await writeResponse(res, response);
}

const hasBody = (req: IncomingMessage) =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/** Aborted when the connection closes before the response is finished: the client left. */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  if (res.destroyed) gone.abort();
  else res.once('close', () => !res.writableFinished && gone.abort());
  return gone.signal;
}

/** Reads the request as it comes, and stops (pausing the socket) once `max` bytes are passed. */
function bodySource(req: IncomingMessage): BodySource {
  return (max) =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const settle = (fn: () => void) => {
        req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        fn();
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= max) return void chunks.push(chunk);
        req.pause();
        settle(() => resolve('too_large'));
      };
      const onEnd = () => settle(() => resolve(Buffer.concat(chunks, size)));
      const onError = (err: Error) => settle(() => reject(err));
      const onClose = () => settle(() => reject(new Error('request closed before its end')));
      req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    });
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
