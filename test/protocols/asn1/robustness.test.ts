/**
 * Robustness: every parser of the LDAP/SMB/Kerberos family and the three
 * analyzers get thousands of seeded random mutations (bit flips, truncation,
 * length lies, inserted and removed runs) of real corpus payloads and
 * hand-built messages. Nothing may throw; analyzers must keep counting
 * anomalies instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BerReader } from '../../../src/protocols/asn1/ber.js';
import { parseGssToken, unwrapMechToken } from '../../../src/protocols/asn1/spnego.js';
import { parseKrbMessage } from '../../../src/protocols/kerberos/parser.js';
import { KerberosAnalyzer } from '../../../src/protocols/kerberos/analyzer.js';
import { parseNtlm } from '../../../src/protocols/smb/ntlm.js';
import { parseSmb1 } from '../../../src/protocols/smb/smb1.js';
import { parseSmb2 } from '../../../src/protocols/smb/smb2.js';
import { SmbAnalyzer } from '../../../src/protocols/smb/analyzer.js';
import { parseLdapMessage } from '../../../src/protocols/ldap/parser.js';
import { LdapAnalyzer } from '../../../src/protocols/ldap/analyzer.js';
import type { Analyzer, AnalyzerContext, ProtocolSpec } from '../../../src/protocols/analyzer.js';
import { replayEvents } from '../../helpers/replay.js';
import { ZEEK_CORPUS } from '../../helpers/paths.js';
import { mutate, rng, testContext, concat, be32 } from './helpers.js';
import { asReq, kdcRep, krbError, apReq, tgsReq } from '../kerberos/messages.js';
import { ntlmAuthenticate, ntlmChallenge, ntlmNegotiate, nbss, negotiateRequest, sessionSetupRequest, spnegoInit, treeConnectRequest } from '../smb/messages.js';
import { simpleBind, searchRequest, and, or, not, eq, present, substr, ext, bindResponse, searchEntry } from '../ldap/messages.js';

/** Mutations per seed payload: with ~40 seeds this is several thousand inputs per parser. */
const ROUNDS = 150;

/** Records the payload chunks the pipeline hands to analyzers on the given ports. */
function recorder(name: string, ports: number[], transports: ('tcp' | 'udp')[], sink: Uint8Array[]): ProtocolSpec {
  return {
    name,
    transports,
    ports,
    create: (_ctx: AnalyzerContext): Analyzer => ({
      data: (_o: boolean, d: Uint8Array): void => {
        if (sink.length < 64) sink.push(new Uint8Array(d));
      },
      end: (): void => {},
    }),
  };
}

async function corpus(file: string, ports: number[], transports: ('tcp' | 'udp')[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  await replayEvents([path.join(ZEEK_CORPUS, file)], [recorder('rec', ports, transports, out)]);
  return out;
}

function walk(r: BerReader, depth: number): void {
  while (r.next()) {
    if (r.constructed && depth < 40) {
      const c = r.enter();
      if (c !== null) walk(c, depth + 1);
    } else {
      r.int();
      r.str();
      r.oid();
      r.time();
    }
  }
}

function fuzz(seeds: Uint8Array[], seed: number, fn: (b: Uint8Array) => void): number {
  const rand = rng(seed);
  let n = 0;
  for (const s of seeds) {
    fn(s);
    for (let i = 0; i < ROUNDS; i++) {
      fn(mutate(s, rand));
      n++;
    }
  }
  return n;
}

test('Kerberos: parser and analyzer survive mutations', async () => {
  const real = await corpus('krb-kinit/kinit.pcap', [88], ['tcp', 'udp']);
  assert.ok(real.length > 10);
  const seeds = [
    ...real.slice(0, 24),
    asReq({ user: 'a', realm: 'R', till: '20370913024805Z', etypes: [18, 23], padata: [2] }),
    tgsReq(['HTTP', 'x'], 'R', '20370913024805Z'),
    kdcRep(11, 'a', 'R', ['krbtgt', 'R'], 18),
    krbError(24, 'R', 'a', 'PREAUTH_FAILED'),
    apReq('R', ['cifs', 'x'], 23),
  ];
  const n = fuzz(seeds, 1, (b) => {
    parseKrbMessage(b, 0, b.length);
    if (b.length > 4) parseKrbMessage(b, 4, b.length);
    walk(new BerReader(b), 0);
    const udp = new KerberosAnalyzer(testContext('udp', 88));
    udp.data(true, b, 1);
    udp.end(2);
    const tcp = new KerberosAnalyzer(testContext('tcp', 88));
    tcp.data(true, concat(be32(b.length), b), 1);
    tcp.data(false, b, 1);
    tcp.end(2);
  });
  assert.ok(n > 3000);
});

test('SMB: SMB1/SMB2/NTLM/SPNEGO parsers and the analyzer survive mutations', async () => {
  const real = await corpus('smb3/smb3.pcap', [445], ['tcp']);
  const real2 = await corpus('smb-smbghost/SMBGhost.pcap', [445], ['tcp']);
  assert.ok(real.length > 10);
  const seeds = [
    ...real.slice(0, 16),
    ...real2,
    nbss(negotiateRequest([0x0202, 0x0311])),
    nbss(sessionSetupRequest(spnegoInit(ntlmNegotiate()), 1)),
    nbss(treeConnectRequest('\\\\S\\x', 2)),
    ntlmChallenge('A', 'a.b', 'b'),
    ntlmAuthenticate('D', 'u', 'w'),
  ];
  const n = fuzz(seeds, 2, (b) => {
    parseNtlm(b, 0, b.length);
    parseSmb1(b, 4, b.length);
    parseSmb2(b, 4, b.length);
    parseSmb2(b, 0, b.length);
    parseGssToken(b, 0, b.length);
    unwrapMechToken(b, 0, b.length);
    const a = new SmbAnalyzer(testContext('tcp', 445));
    a.data(true, b, 1);
    a.data(false, b, 1);
    a.gap!(true, 10);
    a.data(true, b, 2);
    a.end(3);
  });
  assert.ok(n > 3000);
});

test('LDAP: parser, filter rendering and analyzer survive mutations', async () => {
  const real = await corpus('ldap-aduser1/aduser1-ntlm.pcap', [389], ['tcp']);
  const real2 = await corpus('ldap-invalid-credentials/ldap_invalid_credentials.pcap', [389], ['tcp']);
  assert.ok(real.length > 5);
  const filter = and(or(eq('a', 'b'), present('c')), not(substr('d', 'x', ['y'], 'z')), ext('1.2.3', 'uac', '2', true));
  const seeds = [
    ...real,
    ...real2.slice(0, 12),
    simpleBind(1, 'cn=x', 'pw'),
    searchRequest(2, 'dc=x', 2, filter, ['cn', 'mail']),
    bindResponse(1, 49, 'bad'),
    searchEntry(2, 'cn=y'),
  ];
  const n = fuzz(seeds, 3, (b) => {
    parseLdapMessage(b, 0, b.length);
    walk(new BerReader(b), 0);
    const tcp = new LdapAnalyzer(testContext('tcp', 389));
    tcp.data(true, b, 1);
    tcp.data(false, b, 1);
    tcp.end(2);
    const udp = new LdapAnalyzer(testContext('udp', 389));
    udp.data(true, b, 1);
    udp.end(2);
  });
  assert.ok(n > 3000);
});
