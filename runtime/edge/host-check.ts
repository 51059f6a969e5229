import type { AddressInfo } from 'node:net';

/**
 * The `Host` values a loopback engine answers (docs/api.md, "Host"): its own address with its
 * port, and `localhost` with its port (both without the port on port 80, where clients leave
 * it out). A web page that points its own name at 127.0.0.1 (DNS rebinding) still sends its
 * own name as Host, so it is refused; a request without Host (HTTP/1.0) is refused too.
 */
export function loopbackHostCheck(address: AddressInfo): (host: string | undefined) => boolean {
  const own = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const names = [own.toLowerCase(), 'localhost'];
  const allowed = new Set(names.map((n) => `${n}:${address.port}`));
  if (address.port === 80) for (const n of names) allowed.add(n);
  return (host) => host !== undefined && allowed.has(host.toLowerCase());
}
