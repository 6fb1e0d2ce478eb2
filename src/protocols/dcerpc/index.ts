/**
 * Registration of the DCE/RPC analyzer: TCP 135, and a content probe for a
 * client whose first bytes are a bind PDU (RPC servers on the dynamic ports
 * the endpoint mapper hands out). Named pipes are read by the SMB analyzer
 * with the same `DceRpcConversation`.
 */
import type { ProtocolSpec, Transport } from '../analyzer.js';
import { DceRpcAnalyzer } from './analyzer.js';
import { DCE_RPC_PORTS, HEADER_SIZE, PduType } from './consts.js';

/** Smallest bind: header, max_xmit/max_recv/assoc_group, a context list with one item and one transfer syntax. */
const MIN_BIND = HEADER_SIZE + 8 + 4 + 44;

/** True for a client's first bytes that are a version 5.0 bind PDU with a plausible length. */
export function probeDceRpc(data: Uint8Array, fromOrig: boolean, transport: Transport): boolean {
  if (transport !== 'tcp' || !fromOrig || data.length < HEADER_SIZE) return false;
  if (data[0] !== 5 || data[1] !== 0 || data[2] !== PduType.BIND) return false;
  const rep = data[4]! >> 4;
  if (rep > 1) return false;
  const fragLength = rep === 1 ? data[8]! | (data[9]! << 8) : (data[8]! << 8) | data[9]!;
  return fragLength >= MIN_BIND;
}

export const dceRpcSpec: ProtocolSpec = {
  name: 'dce_rpc',
  transports: ['tcp'],
  ports: DCE_RPC_PORTS,
  probe: probeDceRpc,
  create: (ctx) => new DceRpcAnalyzer(ctx),
};

export { DceRpcConversation } from './conversation.js';
export type { DceRpcEvent, DceRpcLogEvent, DceRpcCallEvent, DceRpcBindEvent, DceRpcRecord } from './events.js';
