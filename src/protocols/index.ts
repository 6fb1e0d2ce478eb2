/**
 * Every protocol analyzer Picket ships, in the order ports are claimed.
 * Add a new analyzer here (see ARCHITECTURE.md, "Adding a parser").
 *
 * `createProtocols()` builds fresh specs for one pipeline: some analyzers
 * keep state shared by all their flows (DHCP transactions span several UDP
 * flows), and two pipelines in one process must not share it.
 */
import type { ProtocolSpec } from './analyzer.js';
import { dnsSpec } from './dns/index.js';
import { nbnsSpec } from './nbns/index.js';
import { createDhcpSpec } from './dhcp/index.js';
import { createDhcpv6Spec } from './dhcpv6/index.js';
import { createHttpSpec } from './http/index.js';
import { HASH_NAMES, type HashName } from '../files/file-hashes.js';
import { createDtlsSpec, createTlsSpec } from './tls/index.js';
import { CertificateLogTimes } from './tls/certificate-cache.js';
import { quicSpec } from './quic/index.js';
import { sshSpec } from './ssh/index.js';
import { ldapSpec } from './ldap/index.js';
import { createSmbSpec } from './smb/index.js';
import { dceRpcSpec } from './dcerpc/index.js';
import { kerberosSpec } from './kerberos/index.js';
import { createFtpSpec } from './ftp/index.js';
import { telnetSpec } from './telnet/index.js';
import { rdpSpec } from './rdp/index.js';
import { createImapSpec, createPop3Spec, createSmtpSpec } from './mail/index.js';
import { mysqlSpec } from './mysql/index.js';
import { postgresSpec } from './postgres/index.js';
import { tdsSpec } from './tds/index.js';
import { vncSpec } from './vnc/index.js';
import { socksSpec } from './socks/index.js';
import { stratumSpec } from './stratum/index.js';
import { snmpSpec } from './snmp/index.js';
import { sipSpec } from './sip/index.js';
import { redisSpec } from './redis/index.js';
import { createTftpSpec } from './tftp/index.js';
import { mqttSpec } from './mqtt/index.js';

/** What a site chooses about its analyzers (picket.yaml); every field has a default. */
export interface AnalyzerOptions {
  /** Digests computed for the files HTTP carries (`files.hashes`); default all three, none turns hashing off. */
  fileHashes?: readonly HashName[];
}

export function createProtocols(opts: AnalyzerOptions = {}): ProtocolSpec[] {
  // TLS and DTLS log a certificate once a day between them.
  const certificates = new CertificateLogTimes();
  return [
    dnsSpec,
    nbnsSpec,
    createDhcpSpec(),
    createDhcpv6Spec(),
    createHttpSpec(opts.fileHashes ?? HASH_NAMES),
    createTlsSpec(certificates),
    quicSpec,
    createDtlsSpec(certificates),
    sshSpec,
    ldapSpec,
    createSmbSpec(opts.fileHashes ?? HASH_NAMES),
    dceRpcSpec,
    kerberosSpec,
    createFtpSpec({ fileHashes: opts.fileHashes ?? HASH_NAMES }),
    telnetSpec,
    rdpSpec,
    createSmtpSpec(opts.fileHashes ?? HASH_NAMES),
    createImapSpec(opts.fileHashes ?? HASH_NAMES),
    createPop3Spec(opts.fileHashes ?? HASH_NAMES),
    mysqlSpec,
    postgresSpec,
    tdsSpec,
    vncSpec,
    socksSpec,
    stratumSpec,
    snmpSpec,
    sipSpec,
    redisSpec,
    createTftpSpec(opts.fileHashes ?? HASH_NAMES),
    mqttSpec,
  ];
}

/** Names of every shipped analyzer (the conn.log `service` values they set). */
export const PROTOCOL_NAMES: readonly string[] = createProtocols().map((p) => p.name);
