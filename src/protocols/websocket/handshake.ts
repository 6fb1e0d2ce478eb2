/**
 * The WebSocket headers of one side of an HTTP upgrade (RFC 6455 section
 * 4): whether its Upgrade names "websocket", and the subprotocols and
 * extensions it lists in Sec-WebSocket-Protocol and
 * Sec-WebSocket-Extensions (repeated headers add to the list). The HTTP
 * analyzer hands header lines here; the accepted handshake becomes one
 * websocket.log record.
 */
import type { ConnId } from '../../events/conn-id.js';
import { startRecord } from '../zeek-record.js';
import { asciiBytes, equalsIgnoreCase, logString } from '../wire-text.js';
import type { WebSocketRecord } from './events.js';

const H_UPGRADE = asciiBytes('upgrade');
const H_PROTOCOL = asciiBytes('sec-websocket-protocol');
const H_EXTENSIONS = asciiBytes('sec-websocket-extensions');
/** Entries kept per list (a handshake offers a few). */
const MAX_LIST = 16;

export class WebSocketHeaders {
  /** Upgrade names "websocket". */
  upgrade = false;
  protocols: string[] | undefined = undefined;
  extensions: string[] | undefined = undefined;

  /** True when the header named buf[start, nameEnd) is one of the WebSocket ones. */
  static wanted(buf: Uint8Array, start: number, nameEnd: number): boolean {
    const len = nameEnd - start;
    if (len === H_UPGRADE.length) return equalsIgnoreCase(buf, start, nameEnd, H_UPGRADE);
    return (len === H_PROTOCOL.length && equalsIgnoreCase(buf, start, nameEnd, H_PROTOCOL)) || (len === H_EXTENSIONS.length && equalsIgnoreCase(buf, start, nameEnd, H_EXTENSIONS));
  }

  /** Reads the value buf[v, ve) of a header WebSocketHeaders.wanted accepted. */
  header(buf: Uint8Array, start: number, nameEnd: number, v: number, ve: number): void {
    const items = splitList(logString(buf, v, ve));
    if (nameEnd - start === H_UPGRADE.length) {
      if (items.some((x) => x.toLowerCase() === 'websocket')) this.upgrade = true;
    } else if (nameEnd - start === H_PROTOCOL.length) {
      this.protocols = addTo(this.protocols, items);
    } else {
      this.extensions = addTo(this.extensions, items);
    }
  }
}

/** A comma-separated header value's items, trimmed, empty ones dropped. */
function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.trim();
    if (t !== '') out.push(t);
  }
  return out;
}

function addTo(list: string[] | undefined, items: readonly string[]): string[] {
  const out = list ?? [];
  for (const x of items) if (out.length < MAX_LIST) out.push(x);
  return out;
}

/** What the upgrade request said, besides its WebSocket headers. */
export interface UpgradeRequest {
  ts: number;
  host: string | undefined;
  uri: string | undefined;
  userAgent: string | undefined;
}

/** The websocket.log record of an accepted handshake, in Zeek's field order. */
export function handshakeRecord(conn: ConnId, req: UpgradeRequest, client: WebSocketHeaders | undefined, server: WebSocketHeaders): WebSocketRecord {
  const rec = startRecord<WebSocketRecord>(conn, req.ts);
  if (req.host !== undefined) rec.host = req.host;
  if (req.uri !== undefined) rec.uri = req.uri;
  if (req.userAgent !== undefined) rec.user_agent = req.userAgent;
  const chosen = server.protocols?.[0];
  if (chosen !== undefined) rec.subprotocol = chosen;
  if (client?.protocols !== undefined) rec.client_protocols = client.protocols;
  if (server.extensions !== undefined) rec.server_extensions = server.extensions;
  if (client?.extensions !== undefined) rec.client_extensions = client.extensions;
  return rec;
}
