import { connect } from 'node:net';

/** Sends bytes exactly as given (no client-side path normalization) and returns the raw reply. */
export function rawHttp(endpoint: string, request: string | Buffer): Promise<string> {
  const [host, port] = endpoint.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host as string);
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('error', (err) => (out ? resolve(out) : reject(err)));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.write(request);
  });
}

export const statusOf = (reply: string) => Number(reply.split(' ')[1]);
