import { connect, type Socket } from 'node:net';

/** The PostgreSQL SSLRequest: length 8, code 80877103. Any server answers it, before a login. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Whether a database server answers in its own protocol within `timeoutMs`, without logging in:
 * PostgreSQL answers an SSLRequest with `S` or `N`; MySQL and MariaDB greet with a handshake
 * (protocol 10) as soon as a client connects. A TCP connect alone said "ok" of a server that
 * accepted and never answered, and of any other service on the port.
 */
export function serverAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  const postgres = u.protocol.startsWith('postgres');
  const port = Number(u.port || (postgres ? 5432 : 3306));
  const socketDir = u.searchParams.get('host');
  const socket =
    socketDir?.startsWith('/') && postgres
      ? connect(`${socketDir}/.s.PGSQL.${port}`)
      : connect(port, u.hostname || '127.0.0.1');
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    if (postgres) socket.once('connect', () => socket.write(SSL_REQUEST));
    firstBytes(socket, postgres ? 1 : 5, (b) =>
      done(postgres ? b[0] === 0x53 || b[0] === 0x4e : b[4] === 0x0a),
    );
  });
}

/** Calls `then` with the first `n` bytes the socket receives. */
function firstBytes(socket: Socket, n: number, then: (bytes: Buffer) => void) {
  let got = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    got = Buffer.concat([got, chunk]);
    if (got.length < n) return;
    socket.off('data', onData);
    then(got);
  };
  socket.on('data', onData);
}
