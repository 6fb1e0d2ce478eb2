/**
 * tls.bad_certificate on a real capture from the Zeek corpus: a TLS 1.0
 * handshake to ssl.gstatic.com whose server sends its certificate and the
 * CA's in clear. Its certificates are listed by SHA-1 (an abuse.ch SSLBL
 * certificate CSV), by SHA-256 (a plain list) or in a MISP event, and the
 * capture replayed through the pipeline and engine with that intel;
 * unlisted certificates, enrichment-only MISP attributes, excluded clients
 * and handshakes without certificates in clear (TLS 1.3, QUIC) stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import { only } from './harness.js';
import { replayWithIntel, siteIntel } from '../intel/store/lab-intel.js';
import type { SslLogEvent } from '../../src/protocols/tls/events.js';

const RULE = 'tls.bad_certificate';
const GSTATIC = path.join(ZEEK_CORPUS, 'tls-sni-gstatic', 'tls-conn-with-extensions.pcap');
const MOZILLA = path.join(ZEEK_CORPUS, 'tls13-sni-mozilla', 'tls13draft23-chrome67.0.3368.0-canary.pcap');
const QUIC = path.join(REPO_ROOT, 'test', 'fixtures', 'quic', 'chrome-initial.pcap');

/** The capture's server certificate (*.gstatic.com) and the CA certificate sent with it, as openssl fingerprints them. */
const LEAF = {
  sha1: '82437e7830614e2500679d121590d25381de1dac',
  sha256: 'a580247a25324adf4add5af648de4ac5798030dfd622f26a5f2280d7528ae244',
  subject: 'CN=*.gstatic.com,O=Google Inc,L=Mountain View,ST=California,C=US',
  issuer: 'CN=Google Internet Authority,O=Google Inc,C=US',
};
const CA_SHA1 = 'dd7a7f131ddba33d3e8670179483e6fea6987d6a';
/** Well-formed digests of no certificate in the captures. */
const OTHER_SHA1 = '0a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
const OTHER_SHA256 = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** The capture's one ssl event. */
async function handshake(file: string): Promise<SslLogEvent> {
  const events: SslLogEvent[] = [];
  for (const e of await replayEvents([file])) if (e.type === 'ssl') events.push(e);
  assert.equal(events.length, 1, `one TLS handshake in ${path.basename(file)}`);
  return events[0]!;
}

/** A certificate list in abuse.ch SSLBL's layout (sslblacklist.csv): comment block, commented header, then Listingdate,SHA1,Listingreason. */
function sslblCsv(rows: Array<[string, string]>): string {
  return [
    '################################################################',
    '# abuse.ch SSLBL SSL Certificate Blacklist (SHA1 Fingerprints) #',
    '# Last updated: 2024-09-02 06:17:52 UTC                        #',
    '################################################################',
    '#',
    '# Listingdate,SHA1,Listingreason',
    ...rows.map(([sha1, reason]) => `2024-09-02 06:17:52,${sha1},${reason}`),
    '',
  ].join('\r\n');
}

test('the capture\'s ssl event carries the chain the analyzer read: leaf first, as openssl fingerprints it', async () => {
  const g = await handshake(GSTATIC);
  assert.deepEqual(
    g.certificates!.map((c) => [c.sha1, c.sha256, c.commonName]),
    [
      [LEAF.sha1, LEAF.sha256, '*.gstatic.com'],
      [CA_SHA1, g.record.cert_chain_fps![1], 'Google Internet Authority'],
    ],
  );
  assert.equal(g.certificates![0]!.subject, LEAF.subject);
  // TLS 1.3 and QUIC send certificates encrypted: nothing to look up.
  assert.equal((await handshake(MOZILLA)).certificates, undefined);
  assert.equal((await handshake(QUIC)).certificates, undefined);
});

test('a server certificate listed by SHA-1 (SSLBL CSV) alerts once, high, with the certificate, the list and its reason', async () => {
  const g = (await handshake(GSTATIC)).record;
  const site = await siteIntel('intel:\n  lists: [{ path: sslblacklist.csv, kind: cert_sha1, name: sslbl-certs }]\n', {
    'sslblacklist.csv': sslblCsv([[OTHER_SHA1, 'AsyncRAT C&C'], [LEAF.sha1.toUpperCase(), 'Dridex C&C']]),
  });
  try {
    const a = only(await replayWithIntel([GSTATIC, MOZILLA, QUIC], site), RULE);
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.equal(x.event.severity, 3);
    assert.deepEqual(x.event.category, ['network', 'threat']);
    assert.equal(x.threat.technique.id, 'T1573');
    assert.equal(x.source.ip, g['id.orig_h']);
    assert.equal(x.destination?.ip, g['id.resp_h']);
    assert.equal(x.destination?.port, 443);
    assert.equal(
      x.message,
      `${g['id.orig_h']} made a TLS connection to ${g['id.resp_h']}:443 (ssl.gstatic.com) and was shown the server's certificate "*.gstatic.com" (SHA-1 ${LEAF.sha1}), ` +
        'listed in sslbl-certs as "Dridex C&C"',
    );
    assert.deepEqual(x.evidence, {
      fingerprint_kind: 'cert_sha1',
      fingerprint: LEAF.sha1,
      sha1: LEAF.sha1,
      sha256: LEAF.sha256,
      subject: LEAF.subject,
      issuer: LEAF.issuer,
      chain_position: 0,
      server_name: 'ssl.gstatic.com',
      version: 'TLSv10',
      established: true,
      listing_reason: 'Dridex C&C',
      indicator: LEAF.sha1,
      matches: [{ source: 'sslbl-certs', kind: 'cert_sha1', indicator: LEAF.sha1, comment: 'Dridex C&C' }],
    });
    assert.equal(x.dedup_key, `${g['id.orig_h']}\u0002${LEAF.sha1}`);
  } finally {
    site.cleanup();
  }
});

test('the same certificate listed by SHA-256 alerts once; listed by both digests in two sources it is still one alert naming both', async () => {
  const files = {
    'certs.txt': `# lab\n${LEAF.sha256.toUpperCase().match(/../g)!.join(':')}  # lab C2\n${OTHER_SHA256}\n`,
    'sslblacklist.csv': sslblCsv([[LEAF.sha1, 'Dridex C&C']]),
  };
  const sha256 = await siteIntel('intel:\n  lists: [{ path: certs.txt, kind: cert_sha256 }]\n', files);
  try {
    const a = only(await replayWithIntel([GSTATIC], sha256), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.evidence.fingerprint_kind, 'cert_sha256');
    assert.equal(a[0]!.evidence.fingerprint, LEAF.sha256);
    assert.equal(a[0]!.evidence.sha1, LEAF.sha1);
    assert.equal(a[0]!.evidence.listing_reason, 'lab C2');
    assert.match(a[0]!.message, /\(SHA-1 82437e7830614e2500679d121590d25381de1dac\), listed in certs\.txt as "lab C2"$/);
  } finally {
    sha256.cleanup();
  }
  const both = await siteIntel('intel:\n  lists: [{ path: sslblacklist.csv, kind: cert_sha1 }, { path: certs.txt, kind: cert_sha256 }]\n', files);
  try {
    const a = only(await replayWithIntel([GSTATIC], both), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.evidence.fingerprint_kind, 'cert_sha1', 'named after the SHA-1, looked up first');
    assert.deepEqual(
      (a[0]!.evidence.matches as Array<{ source: string; kind: string }>).map((m) => [m.source, m.kind]),
      [
        ['sslblacklist.csv', 'cert_sha1'],
        ['certs.txt', 'cert_sha256'],
      ],
    );
    assert.match(a[0]!.message, /listed in sslblacklist\.csv, certs\.txt as "Dridex C&C"$/);
  } finally {
    both.cleanup();
  }
});

test('a listed CA certificate the server sent along alerts with its place in the chain', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: ca.txt, kind: cert_sha1 }]\n', { 'ca.txt': `${CA_SHA1}\n` });
  try {
    const a = only(await replayWithIntel([GSTATIC], site), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.evidence.chain_position, 1);
    assert.equal(a[0]!.evidence.subject, 'CN=Google Internet Authority,O=Google Inc,C=US');
    assert.match(a[0]!.message, new RegExp(`and was shown certificate 2 of the server's chain "Google Internet Authority" \\(SHA-1 ${CA_SHA1}\\), listed in ca\\.txt$`));
  } finally {
    site.cleanup();
  }
});

test('lists without the capture\'s certificates, client fingerprint lists and excluded clients raise nothing', async () => {
  const g = (await handshake(GSTATIC)).record;
  const files = {
    'sslblacklist.csv': sslblCsv([[OTHER_SHA1, 'AsyncRAT C&C']]),
    'certs.txt': `${OTHER_SHA256}\n`,
    // The client's own JA3: tls.bad_fingerprint's business, not this rule's.
    'ja3.txt': `${g.ja3}\n`,
    'listed.txt': `${LEAF.sha1}\n`,
  };
  const site = await siteIntel('intel:\n  lists: [{ path: sslblacklist.csv, kind: cert_sha1 }, { path: certs.txt, kind: cert_sha256 }, { path: ja3.txt, kind: ja3 }]\n', files);
  try {
    const all = await replayWithIntel([GSTATIC, MOZILLA, QUIC], site);
    assert.deepEqual(only(all, RULE), []);
    assert.equal(only(all, 'tls.bad_fingerprint').length, 1);
  } finally {
    site.cleanup();
  }
  const excluded = await siteIntel(`intel:\n  lists: [{ path: listed.txt, kind: cert_sha1 }]\ndetectors:\n  tls.bad_certificate: { exclude: [${g['id.orig_h']}] }\n`, files);
  try {
    assert.deepEqual(only(await replayWithIntel([GSTATIC], excluded), RULE), []);
  } finally {
    excluded.cleanup();
  }
});

test('MISP x509-fingerprint-sha1 and -sha256 attributes alert naming the event when to_ids, and only enrich otherwise', async () => {
  const event = (toIds: boolean): string =>
    JSON.stringify({
      Event: {
        uuid: '44444444-5555-4666-8777-888888888888',
        info: 'Lab C2 infrastructure',
        Attribute: [{ uuid: 'a-sha1', type: 'x509-fingerprint-sha1', value: LEAF.sha1.toUpperCase().match(/../g)!.join(':'), to_ids: toIds }],
        Object: [{ name: 'x509', Attribute: [{ uuid: 'a-sha256', type: 'x509-fingerprint-sha256', value: LEAF.sha256, to_ids: toIds }] }],
      },
    });
  const alerts = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(true) });
  try {
    const a = only(await replayWithIntel([GSTATIC], alerts), RULE);
    assert.equal(a.length, 1);
    assert.match(a[0]!.message, /listed in misp-feed:event\.json event 44444444-5555-4666-8777-888888888888 "Lab C2 infrastructure"$/);
    assert.equal(a[0]!.evidence.listing_reason, null);
    assert.equal(a[0]!.evidence.indicator, LEAF.sha1.toUpperCase().match(/../g)!.join(':'), 'shown as MISP lists it');
    assert.equal((a[0]!.evidence.matches as unknown[]).length, 2);
  } finally {
    alerts.cleanup();
  }
  const context = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(false) });
  try {
    assert.equal(context.sources.indicators.matchFingerprint('cert_sha1', LEAF.sha1).length, 1, 'known, as context');
    assert.deepEqual(only(await replayWithIntel([GSTATIC], context), RULE), []);
  } finally {
    context.cleanup();
  }
});

test('a listed certificate over DTLS alerts as UDP', async () => {
  const dtls = path.join(REPO_ROOT, 'test', 'fixtures', 'dtls', 'openssl-dtls12.pcap');
  const leaf = (await handshake(dtls)).certificates![0]!;
  const site = await siteIntel('intel:\n  lists: [{ path: certs.txt, kind: cert_sha256 }]\n', { 'certs.txt': `${leaf.sha256}\n` });
  try {
    const a = only(await replayWithIntel([dtls], site), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.network?.transport, 'udp');
    assert.equal(a[0]!.evidence.version, 'DTLSv12');
  } finally {
    site.cleanup();
  }
});
