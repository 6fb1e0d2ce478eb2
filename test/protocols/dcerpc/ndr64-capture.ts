/**
 * A capture of one svcctl association over TCP as a 64-bit Windows client
 * makes it with a Windows server: the bind offers svcctl 2.0 in NDR 2.0,
 * NDR64 and bind-time feature negotiation ([MS-RPCE] 3.3.1.5.3), the
 * server accepts NDR64 only (provider rejection for NDR 2.0, negotiate_ack
 * for the features), then a CreateServiceW whose stub is NDR64
 * (ndr-writer.ts) goes on the NDR64 context and is answered. Written as a
 * raw-IP pcap for tshark and the pipeline.
 */
import fs from 'node:fs';
import { LinkType } from '../../../src/capture/packet.js';
import { PcapWriter } from '../../../src/capture/pcap-writer.js';
import type { NdrSyntax } from '../../../src/protocols/dcerpc/ndr.js';
import { TcpSession } from '../../helpers/session.js';
import { createServiceStub, type CreateService } from './ndr-writer.js';
import { BIND_TIME, NDR, NDR64, SVCCTL, bind, bindAck, request, response } from './pdus.js';

export const NDR64_SERVICE: CreateService = {
  name: 'WinUpd64',
  display: 'Windows Update Helper',
  type: 0x10,
  start: 3,
  path: 'C:\\Windows\\Temp\\upd64.exe -silent',
  account: 'LocalSystem',
  // tshark's svcctl dissector reads lpDependencies otherwise than [MS-SCMR] 3.1.4.12 (a varying string, not a conformant byte array): none here.
  dependencies: false,
};

/** The association's packets: client 10.77.2.20, server 10.77.1.10 on `port`. */
export function ndr64Session(syntax: NdrSyntax = 'ndr64', port = 49670): TcpSession {
  const s = new TcpSession({ client: '10.77.2.20', server: '10.77.1.10', clientPort: 50123, serverPort: port });
  const items = [
    { ctx: 0, uuid: SVCCTL, major: 2, syntax: NDR },
    { ctx: 1, uuid: SVCCTL, major: 2, syntax: NDR64 },
    { ctx: 2, uuid: SVCCTL, major: 2, syntax: BIND_TIME },
  ];
  // Results: provider rejection, acceptance, negotiate_ack (or, for an NDR 2.0 association, NDR accepted and NDR64 refused).
  const results = syntax === 'ndr64' ? [2, 0, 3] : [0, 2, 3];
  s.handshake();
  s.send(true, bind(1, items));
  s.send(false, bindAck(1, String(port), results, { syntax: syntax === 'ndr64' ? NDR64 : NDR }));
  s.send(true, request(2, syntax === 'ndr64' ? 1 : 0, 12, createServiceStub(syntax, NDR64_SERVICE)));
  // The reply: a 20-byte service handle and ERROR_SUCCESS (lpdwTagId null).
  const reply = syntax === 'ndr64' ? new Uint8Array(8 + 20 + 4) : new Uint8Array(4 + 20 + 4);
  s.send(false, response(2, syntax === 'ndr64' ? 1 : 0, reply));
  s.close();
  return s;
}

/** Writes the session to `file` as a pcap (raw IP). */
export async function writeSession(s: TcpSession, file: string): Promise<void> {
  const w = new PcapWriter(fs.openSync(file, 'w'), LinkType.RAW);
  for (const p of s.packets) w.write(p.ts, p.data);
  await w.close();
}
