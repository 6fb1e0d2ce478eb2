/**
 * Certificates: what describeCertificate reads from real certificates
 * (made with openssl by test/fixtures/x509/make-certs.sh) against what the
 * openssl command says of them, the SNI/certificate name check, malformed
 * input, and the TLS analyzer logging chains (server and client), ssl.log's
 * cert_chain_fps and sni_matches_cert, the server's certificates the ssl
 * event carries for rules, and x509.log once a day.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { certificateCoversHost, describeCertificate, type CertificateFacts } from '../../../src/protocols/tls/x509.js';
import { parseCertificateList } from '../../../src/protocols/tls/parser.js';
import { createTlsSpec } from '../../../src/protocols/tls/index.js';
import { TlsAnomaly } from '../../../src/protocols/tls/consts.js';
import type { SslLogEvent, SslRecord, X509Record } from '../../../src/protocols/tls/events.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { rng } from '../../helpers/bytes.js';
import { fakeContext, type FakeContext } from '../http/fake-ctx.js';
import { clientHelloBody, handshake, record, serverHelloBody, vec } from './build.js';

const DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'x509');

function der(name: string): Uint8Array {
  const pem = fs.readFileSync(path.join(DIR, `${name}.pem`), 'utf8');
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
}

function facts(name: string): CertificateFacts {
  const f = describeCertificate(der(name));
  assert.ok(f !== null, name);
  return f;
}

/** What the openssl command prints of a certificate, or null without openssl. */
function openssl(name: string): Record<string, string> | null {
  let out: string;
  try {
    out = execFileSync('openssl', ['x509', '-in', path.join(DIR, `${name}.pem`), '-noout', '-serial', '-subject', '-issuer', '-dates', '-nameopt', 'RFC2253', '-fingerprint', '-sha256'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
  const o: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const eq = line.indexOf('=');
    o[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return o;
}

test('each fixture certificate reads as openssl reads it: fingerprint, serial, subject, issuer, validity', (t) => {
  for (const name of ['ca', 'leaf', 'legacy', 'ed25519']) {
    const o = openssl(name);
    if (o === null) {
      t.skip('openssl is not installed');
      return;
    }
    const f = facts(name);
    assert.equal(f.sha256, o['sha256 Fingerprint']!.replace(/:/g, '').toLowerCase(), `${name} sha256`);
    assert.equal(f.serial, o.serial, `${name} serial`);
    assert.equal(f.subject, o.subject, `${name} subject`);
    assert.equal(f.issuer, o.issuer, `${name} issuer`);
    assert.equal(f.notBefore, Date.parse(o.notBefore!) / 1000, `${name} notBefore`);
    assert.equal(f.notAfter, Date.parse(o.notAfter!) / 1000, `${name} notAfter`);
    assert.match(f.sha1, /^[0-9a-f]{40}$/);
  }
});

test('keys, algorithms, alternative names and constraints of each kind of certificate', () => {
  const leaf = facts('leaf');
  assert.equal(leaf.version, 3);
  assert.equal(leaf.keyAlg, 'rsaEncryption');
  assert.equal(leaf.sigAlg, 'ecdsa-with-SHA256', 'signed by the EC CA');
  assert.equal(leaf.keyType, 'rsa');
  assert.equal(leaf.keyLength, 2048);
  assert.equal(leaf.exponent, '65537');
  assert.equal(leaf.curve, undefined);
  assert.deepEqual(leaf.sanDns, ['shop.example', '*.shop.example']);
  assert.deepEqual(leaf.sanIp, ['192.0.2.10', '2001:db8::1']);
  assert.deepEqual(leaf.sanEmail, ['admin@shop.example']);
  assert.deepEqual(leaf.sanUri, ['https://shop.example/']);
  assert.equal(leaf.ca, false);
  assert.equal(leaf.pathLen, undefined);
  assert.equal(leaf.subject, 'CN=shop.example,O=Shop,ST=California,C=US');
  assert.equal(leaf.issuer, 'CN=Example Test CA,O=Example Trust\\, Inc.,C=US', 'a comma in a value is escaped, as RFC 2253 says');

  const ca = facts('ca');
  assert.equal(ca.keyAlg, 'id-ecPublicKey');
  assert.equal(ca.sigAlg, 'ecdsa-with-SHA384');
  assert.equal(ca.keyType, 'ec');
  assert.equal(ca.curve, 'secp384r1');
  assert.equal(ca.keyLength, 384);
  assert.equal(ca.ca, true);
  assert.equal(ca.pathLen, 0);

  const legacy = facts('legacy');
  assert.equal(legacy.curve, 'prime256v1');
  assert.equal(legacy.keyLength, 256);
  assert.deepEqual(legacy.sanDns, []);
  assert.equal(legacy.commonName, 'legacy.example');

  const ed = facts('ed25519');
  assert.equal(ed.keyAlg, 'ED25519');
  assert.equal(ed.sigAlg, 'ED25519');
  assert.equal(ed.keyType, 'ed25519');
  assert.equal(ed.keyLength, undefined);
});

test('an SNI is covered by a DNS name, a one-label wildcard, or the common name when there are no DNS names', () => {
  const leaf = facts('leaf');
  assert.equal(certificateCoversHost(leaf, 'shop.example'), true);
  assert.equal(certificateCoversHost(leaf, 'WWW.Shop.Example.'), true);
  assert.equal(certificateCoversHost(leaf, 'a.b.shop.example'), false, 'a wildcard covers one label');
  assert.equal(certificateCoversHost(leaf, 'other.example'), false);
  assert.equal(certificateCoversHost(leaf, '192.0.2.10'), false, 'IP names are not DNS names');
  assert.equal(certificateCoversHost(facts('legacy'), 'legacy.example'), true);
  assert.equal(certificateCoversHost(facts('legacy'), 'www.legacy.example'), false);
});

test('truncated, bent or random DER gives null, never a throw', () => {
  const d = der('leaf');
  assert.equal(describeCertificate(d.subarray(0, 200)), null);
  assert.equal(describeCertificate(new Uint8Array(0)), null);
  assert.equal(describeCertificate(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff)), null);
  const r = rng(99);
  for (let i = 0; i < 2000; i++) {
    const m = d.slice();
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) m[Math.floor(r() * m.length)] = Math.floor(r() * 256);
    describeCertificate(m.subarray(0, r() < 0.2 ? Math.floor(r() * m.length) : m.length));
  }
});

test('Certificate messages: lengths that lie or disagree are malformed', () => {
  const leaf = der('leaf');
  const good = vec(3, vec(3, leaf));
  assert.deepEqual(parseCertificateList(good), [leaf]);
  assert.deepEqual(parseCertificateList(vec(3, new Uint8Array(0))), []);
  assert.equal(parseCertificateList(good.subarray(0, good.length - 1)), TlsAnomaly.BAD_CERTIFICATE_MESSAGE);
  const lying = good.slice();
  lying[5] = 0xff; // the certificate's own length overruns the list
  assert.equal(parseCertificateList(lying), TlsAnomaly.BAD_CERTIFICATE_MESSAGE);
  assert.equal(parseCertificateList(vec(3, vec(3, new Uint8Array(0)))), TlsAnomaly.BAD_CERTIFICATE_MESSAGE);
});

/** A TLS 1.2 handshake with the server's chain and, when given, a client certificate. */
function mutualTls(serverName: string, chain: Uint8Array[], clientChain: Uint8Array[] | null): { client: Uint8Array[]; server: Uint8Array[] } {
  const list = (certs: Uint8Array[]): Uint8Array => vec(3, Buffer.concat(certs.map((c) => vec(3, c))));
  const ext = (type: number, body: Uint8Array): Uint8Array => Buffer.concat([Uint8Array.of(type >> 8, type & 0xff), vec(2, body)]);
  const sniExt = ext(0, vec(2, Buffer.concat([Uint8Array.of(0), vec(2, Buffer.from(serverName))])));
  const server1 = Buffer.concat([
    handshake(2, serverHelloBody({ cipher: 0xc02f, extensions: [] })),
    handshake(11, list(chain)),
    ...(clientChain !== null ? [handshake(13, Uint8Array.of(1, 1, 0, 0))] : []),
    handshake(14, new Uint8Array(0)),
  ]);
  const client2 = [
    ...(clientChain !== null ? [record(22, handshake(11, list(clientChain)))] : []),
    record(22, handshake(16, vec(1, new Uint8Array(65)))),
    record(20, Uint8Array.of(1)),
    record(22, new Uint8Array(40)),
  ];
  return {
    client: [record(22, handshake(1, clientHelloBody({ ciphers: [0xc02f], extensions: [sniExt] })), 0x0301), ...client2],
    server: [record(22, server1), record(20, Uint8Array.of(1)), record(22, new Uint8Array(40))],
  };
}

function run(spec: ReturnType<typeof createTlsSpec>, flights: { client: Uint8Array[]; server: Uint8Array[] }, ts: number): FakeContext {
  const ctx = fakeContext({ resp_p: 443 });
  const a = spec.create(ctx);
  a.data(true, flights.client[0]!, ts);
  for (const s of flights.server.slice(0, 1)) a.data(false, s, ts + 0.01);
  for (const c of flights.client.slice(1)) a.data(true, c, ts + 0.02);
  for (const s of flights.server.slice(1)) a.data(false, s, ts + 0.03);
  a.end(ts + 1);
  return ctx;
}

const sslOf = (ctx: FakeContext): SslRecord[] => ctx.events.flatMap((e) => (e.type === 'ssl' ? [e.record] : []));
const x509Of = (ctx: FakeContext): X509Record[] => ctx.events.flatMap((e) => (e.type === 'x509' ? [e.record] : []));
const sslEventsOf = (ctx: FakeContext): SslLogEvent[] => ctx.events.flatMap((e) => (e.type === 'ssl' ? [e] : []));

test('the server chain and a client certificate go to ssl.log as fingerprints and to x509.log once a day', () => {
  const spec = createTlsSpec();
  const [leaf, ca, legacy] = [facts('leaf'), facts('ca'), facts('legacy')];
  const first = run(spec, mutualTls('www.shop.example', [der('leaf'), der('ca')], [der('legacy')]), 1_700_000_000);
  assert.deepEqual(first.anomalies, []);
  const s = sslOf(first);
  assert.equal(s.length, 1);
  assert.deepEqual(s[0]!.cert_chain_fps, [leaf.sha256, ca.sha256]);
  assert.deepEqual(s[0]!.client_cert_chain_fps, [legacy.sha256]);
  assert.equal(s[0]!.sni_matches_cert, true);
  assert.equal(s[0]!.established, true);
  const x = x509Of(first);
  assert.deepEqual(
    x.map((r) => [r.fingerprint, r.host_cert, r.client_cert]),
    [
      [leaf.sha256, true, false],
      [ca.sha256, false, false],
      [legacy.sha256, true, true],
    ],
  );
  assert.equal(x[0]!['certificate.subject'], leaf.subject);
  assert.equal(x[0]!.sha1, leaf.sha1);
  assert.deepEqual(x[0]!['san.ip'], ['192.0.2.10', '2001:db8::1']);
  assert.equal(x[1]!['basic_constraints.path_len'], 0);

  // Same chain an hour later: ssl.log names it again, x509.log does not repeat it.
  const again = run(spec, mutualTls('elsewhere.example', [der('leaf'), der('ca')], null), 1_700_003_600);
  assert.equal(sslOf(again)[0]!.sni_matches_cert, false);
  assert.equal(sslOf(again)[0]!.client_cert_chain_fps, undefined);
  assert.equal(x509Of(again).length, 0);
  // A day later it is logged again.
  assert.equal(x509Of(run(spec, mutualTls('shop.example', [der('leaf'), der('ca')], null), 1_700_090_000)).length, 2);
  // Another pipeline keeps its own account.
  assert.equal(x509Of(run(createTlsSpec(), mutualTls('shop.example', [der('leaf')], null), 1_700_003_600)).length, 1);
});

test('a chain with a certificate that is not X.509 keeps its fingerprint and flags it', () => {
  const ctx = run(createTlsSpec(), mutualTls('shop.example', [new Uint8Array(300).fill(0x30), der('ca')], null), 1_700_000_000);
  assert.deepEqual(ctx.anomalies, [TlsAnomaly.BAD_CERTIFICATE]);
  const s = sslOf(ctx)[0]!;
  assert.equal(s.cert_chain_fps!.length, 2);
  assert.equal(s.sni_matches_cert, undefined, 'no readable leaf');
  assert.equal(x509Of(ctx).length, 1);
});

test('the ssl event carries the server\'s certificates beside its record: digests, subject, issuer, common name; never the client\'s', () => {
  const [leaf, ca] = [facts('leaf'), facts('ca')];
  const ctx = run(createTlsSpec(), mutualTls('www.shop.example', [der('leaf'), der('ca')], [der('legacy')]), 1_700_000_000);
  const e = sslEventsOf(ctx);
  assert.equal(e.length, 1);
  assert.deepEqual(e[0]!.certificates, [
    { sha256: leaf.sha256, sha1: leaf.sha1, subject: leaf.subject, issuer: leaf.issuer, commonName: leaf.commonName },
    { sha256: ca.sha256, sha1: ca.sha1, subject: ca.subject, issuer: ca.issuer, commonName: ca.commonName },
  ]);
  assert.equal(e[0]!.certificates![0]!.sha1, createHash('sha1').update(der('leaf')).digest('hex'));
  // Not a log field: ssl.log keeps Zeek's cert_chain_fps only.
  assert.ok(!('certificates' in e[0]!.record));
  // The same certificate on another connection is the same shared, read-only entry.
  const again = sslEventsOf(run(createTlsSpec(), mutualTls('www.shop.example', [der('leaf')], null), 1_700_000_100));
  assert.equal(again[0]!.certificates![0], e[0]!.certificates![0]);
  assert.ok(Object.isFrozen(again[0]!.certificates![0]));
  // No certificate in clear (here: none sent at all), nothing beside the record.
  const bare = run(createTlsSpec(), mutualTls('www.shop.example', [], null), 1_700_000_200);
  assert.equal(sslEventsOf(bare)[0]!.certificates, undefined);
});

test('a certificate that is not X.509 is still named by its SHA-1 and SHA-256 in the ssl event', () => {
  const junk = new Uint8Array(300).fill(0x30);
  const e = sslEventsOf(run(createTlsSpec(), mutualTls('shop.example', [junk, der('ca')], null), 1_700_000_000))[0]!;
  assert.deepEqual(e.certificates![0], { sha256: createHash('sha256').update(junk).digest('hex'), sha1: createHash('sha1').update(junk).digest('hex') });
  assert.equal(e.certificates![1]!.sha1, facts('ca').sha1);
  assert.deepEqual(e.record.cert_chain_fps, e.certificates!.map((c) => c.sha256));
});
