import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import type { Test } from 'tap';

/**
 * A TCP proxy on loopback in front of the local PostgreSQL server that can cut a connection in
 * the middle of a COMMIT, as a server restart or a network failure does: `before`, the COMMIT
 * never reaches the server (nothing is written); `after`, the server runs it and answers, and
 * the answer is lost (the write landed, the client cannot know). Armed for the next COMMIT
 * (a simple-protocol Query message) on any of its connections, once. `down` cuts every
 * connection and refuses new ones until `up`: the server away, as far as its clients can tell.
 */
export interface CutProxy {
  /** `postgres://postgres@127.0.0.1:<proxy port>/<db>` */
  url(db: string): string;
  armCommit(when: 'before' | 'after'): void;
  down(): void;
  up(): void;
  /** How many COMMITs were cut so far. */
  cuts: number;
}

const COMMIT = Buffer.from('COMMIT\0');

export async function cutProxy(t: Test, port = 5432): Promise<CutProxy> {
  let armed: 'before' | 'after' | undefined;
  let away = false;
  const sockets = new Set<Socket>();
  const proxy: CutProxy = {
    url: (db) => `postgres://postgres@127.0.0.1:${address()}/${db}`,
    armCommit(when) {
      armed = when;
    },
    down() {
      away = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      away = false;
    },
    cuts: 0,
  };
  const server = createServer((client) => {
    if (away) {
      client.destroy();
      return;
    }
    const upstream = tcpConnect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let dropAnswer = false;
    const cut = () => {
      proxy.cuts++;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk) => {
      if (armed && chunk.includes(COMMIT)) {
        const when = armed;
        armed = undefined;
        if (when === 'before') return cut();
        dropAnswer = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (dropAnswer) return cut();
      client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = () => (server.address() as { port: number }).port;
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });
  return proxy;
}
