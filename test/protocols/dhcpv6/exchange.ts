/**
 * A DHCPv6 lease exchange as a Windows client and a server on one link make
 * it (SOLICIT, ADVERTISE, REQUEST, REPLY), and the replay of frames through
 * the real pipeline with every shipped analyzer: shared by the analyzer and
 * the rule tests.
 */
import fs from 'node:fs';
import { replayWithSummary } from '../../helpers/replay.js';
import { tempDir } from '../../helpers/paths.js';
import { createProtocols } from '../../../src/protocols/index.js';
import {
  clientFqdn, clientId, dnsServers, domainList, duidLl, duidLlt, elapsed, fromClient, iaAddr, iaNa, message, opt, serverId, toClient, u16, vendorClass,
  writeCapture, type Frame, type Host,
} from './frames.js';

const IAID = 0x0e00155d;

export const CLIENT: Host = { mac: '00:15:5d:01:02:03', ll: 'fe80::215:5dff:fe01:203' };
export const SERVER: Host = { mac: '00:15:5d:0a:0b:0c', ll: 'fe80::215:5dff:fe0a:b0c' };
export const CLIENT_DUID = duidLlt(CLIENT.mac);
export const SERVER_DUID = duidLl(SERVER.mac);

/** A Windows-like client leasing 2001:db8:10::1a2b from SERVER. */
export function exchange(t0: number, server: Host = SERVER, sduid: Uint8Array = SERVER_DUID, addr = '2001:db8:10::1a2b'): Frame[] {
  const answer = (type: number, tid: number): Uint8Array =>
    message(type, tid, serverId(sduid), clientId(CLIENT_DUID), iaNa(IAID, 3600, 5400, iaAddr(addr, 7200, 10800)), dnsServers('2001:db8:10::53'), domainList('corp.example'));
  return [
    fromClient(t0, CLIENT, message(1, 0x123456, clientId(CLIENT_DUID), elapsed(0), iaNa(IAID, 0, 0), clientFqdn(0x01, 'ws-fin.corp.example'), vendorClass(311, 'MSFT 5.0'), opt(6, u16(23), u16(24)))),
    toClient(t0 + 0.5, server, CLIENT, answer(2, 0x123456)),
    fromClient(t0 + 1, CLIENT, message(3, 0xabcdef, clientId(CLIENT_DUID), serverId(sduid), elapsed(100), iaNa(IAID, 0, 0, iaAddr(addr, 0, 0)), clientFqdn(0x01, 'ws-fin.corp.example'), vendorClass(311, 'MSFT 5.0'))),
    toClient(t0 + 1.5, server, CLIENT, answer(7, 0xabcdef)),
  ];
}

export async function replayFrames(name: string, frames: Frame[]) {
  const dir = tempDir();
  try {
    const file = await writeCapture(dir, name, frames);
    return await replayWithSummary([file], createProtocols());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

