/**
 * Registration of the SSH analyzer: TCP port 22 (and 2222) first, and a
 * content probe for an identification line ("SSH-") from either side.
 */
import type { ProtocolSpec } from '../analyzer.js';
import { SshAnalyzer, type SshAnalyzerOptions } from './analyzer.js';
import { SSH_PORTS } from './consts.js';
import { isPrivateAddress } from './direction.js';

/** True when the bytes start with "SSH-" followed by a digit (protocol version). */
export function probeSsh(data: Uint8Array): boolean {
  return (
    data.length >= 5 && data[0] === 0x53 && data[1] === 0x53 && data[2] === 0x48 && data[3] === 0x2d &&
    data[4]! >= 0x30 && data[4]! <= 0x39
  );
}

/** An SSH spec with a site-specific notion of local addresses (for `direction`). */
export function createSshSpec(opts: Partial<SshAnalyzerOptions> = {}): ProtocolSpec {
  const full: SshAnalyzerOptions = { isLocal: opts.isLocal ?? isPrivateAddress };
  return {
    name: 'ssh',
    transports: ['tcp'],
    ports: SSH_PORTS,
    probe: (data, _fromOrig, transport) => transport === 'tcp' && probeSsh(data),
    create: (ctx) => new SshAnalyzer(ctx, full),
  };
}

/** The default SSH spec: private address space counts as local. */
export const sshSpec: ProtocolSpec = createSshSpec();

export type { SshEvent, SshLogEvent, SshRecord } from './events.js';
