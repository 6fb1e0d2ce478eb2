/**
 * HOST:PORT for `--listen` and `server.listen`: "127.0.0.1:8780",
 * "[::1]:8780", "0.0.0.0:8780", "localhost:0" (0 = any free port, for tests).
 */
import { PicketError } from '../util/errors.js';
import { hostPort } from '../util/host-port.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses HOST:PORT; a bad one is a usage error naming `option` (the flag it came from). */
export function parseListen(text: string, option = '--listen'): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port > 65535) {
    throw new PicketError('PKT_ERR_CLI_USAGE', `${option}: "${text}" is not HOST:PORT (e.g. 127.0.0.1:8780 or [::1]:8780)`);
  }
  return { host: m[1] ?? m[2]!, port };
}

/** The URL clients use for an address the server listens on. */
export function urlFor(addr: ListenAddress, tls: boolean): string {
  const host = addr.host === '0.0.0.0' ? '127.0.0.1' : addr.host === '::' ? '::1' : addr.host;
  return `${tls ? 'https' : 'http'}://${hostPort(host, addr.port)}`;
}
