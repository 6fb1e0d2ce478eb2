/**
 * tls.bad_fingerprint on real captures from the Zeek corpus: each capture's
 * client JA3 and JA4 are read by replaying it, then listed (an abuse.ch
 * SSLBL-format CSV, a JA4 list, a MISP event) and the capture replayed with
 * that intel; unlisted fingerprints, enrichment-only MISP attributes and a
 * switched-off fingerprint kind stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import { only } from './harness.js';
import { replayWithIntel, siteIntel } from '../intel/store/lab-intel.js';
import type { SslRecord } from '../../src/protocols/tls/events.js';

const RULE = 'tls.bad_fingerprint';
const MOZILLA = path.join(ZEEK_CORPUS, 'tls13-sni-mozilla', 'tls13draft23-chrome67.0.3368.0-canary.pcap');
const GSTATIC = path.join(ZEEK_CORPUS, 'tls-sni-gstatic', 'tls-conn-with-extensions.pcap');
/** Well-formed fingerprints that neither capture has. */
const OTHER_JA3 = '0123456789abcdef0123456789abcdef';
const OTHER_JA4 = 't13d1516h2_8daaf6152771_000000000000';

/** The one ClientHello of a capture, as ssl.log has it. */
async function hello(file: string): Promise<SslRecord> {
  const recs: SslRecord[] = [];
  for (const e of await replayEvents([file])) if (e.type === 'ssl' && e.record.ja3 !== undefined) recs.push(e.record);
  assert.equal(recs.length, 1, `one ClientHello in ${path.basename(file)}`);
  return recs[0]!;
}

/** A JA3 list in abuse.ch SSLBL's CSV layout: commented header, then ja3_md5,Firstseen,Lastseen,Listingreason. */
function sslblCsv(rows: Array<[string, string]>): string {
  return [
    '# JA3 fingerprints of lab malware (test fixture in the SSLBL layout)',
    '#',
    '# ja3_md5,Firstseen,Lastseen,Listingreason',
    ...rows.map(([ja3, reason]) => `${ja3},2024-01-02 03:04:05,2024-06-07 08:09:10,${reason}`),
    '# END (entries above)',
    '',
  ].join('\n');
}

test('a listed JA3 (SSLBL CSV) alerts once with the list, its reason, the client, server and SNI; the other capture stays quiet', async () => {
  const g = await hello(GSTATIC);
  const site = await siteIntel('intel:\n  lists: [{ path: ja3_fingerprints.csv, kind: ja3 }]\n', {
    'ja3_fingerprints.csv': sslblCsv([[g.ja3!, 'Lab Trojan'], [OTHER_JA3, 'Something else']]),
  });
  try {
    const a = only(await replayWithIntel([GSTATIC, MOZILLA], site), RULE);
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.equal(x.event.severity, 2);
    assert.equal(x.source.ip, g['id.orig_h']);
    assert.equal(x.destination?.ip, g['id.resp_h']);
    assert.equal(x.destination?.port, g['id.resp_p']);
    assert.equal(
      x.message,
      `${g['id.orig_h']} made a TLS connection to ${g['id.resp_h']}:${g['id.resp_p']} (ssl.gstatic.com) with JA3 ${g.ja3}, listed in ja3_fingerprints.csv as "Lab Trojan"`,
    );
    assert.equal(x.evidence.fingerprint_kind, 'ja3');
    assert.equal(x.evidence.fingerprint, g.ja3);
    assert.equal(x.evidence.ja4, g.ja4);
    assert.equal(x.evidence.server_name, 'ssl.gstatic.com');
    assert.equal(x.evidence.listing_reason, 'Lab Trojan');
    assert.deepEqual(x.evidence.matches, [{ source: 'ja3_fingerprints.csv', kind: 'ja3', indicator: g.ja3!, comment: 'Lab Trojan' }]);
    assert.equal(x.dedup_key, `${g['id.orig_h']}\u0002${g.ja3}`);
  } finally {
    site.cleanup();
  }
});

test('a listed JA4 alerts whatever its case in the list; turning ja4 off silences it', async () => {
  const m = await hello(MOZILLA);
  const files = { 'ja4.txt': `# team list\n${m.ja4!.toUpperCase()}  # lab tool\n${OTHER_JA4}\n` };
  const site = await siteIntel('intel:\n  lists: [{ path: ja4.txt, kind: ja4, name: team JA4 }]\n', files);
  try {
    const a = only(await replayWithIntel([MOZILLA, GSTATIC], site), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.source.ip, m['id.orig_h']);
    assert.equal(a[0]!.evidence.fingerprint_kind, 'ja4');
    assert.equal(a[0]!.evidence.indicator, m.ja4);
    // The text list's trailing note is the listing reason.
    assert.match(a[0]!.message, new RegExp(`with JA4 ${m.ja4}, listed in team JA4 as "lab tool"$`));
    assert.equal(a[0]!.evidence.listing_reason, 'lab tool');
    assert.match(a[0]!.message, /\(tls13\.crypto\.mozilla\.org\)/);
  } finally {
    site.cleanup();
  }
  const off = await siteIntel('intel:\n  lists: [{ path: ja4.txt, kind: ja4 }]\ndetectors:\n  tls.bad_fingerprint: { ja4: false }\n', files);
  try {
    assert.deepEqual(only(await replayWithIntel([MOZILLA], off), RULE), []);
  } finally {
    off.cleanup();
  }
});

test('a listed JA3S (a server fingerprint, CSV with a ja3s_md5 column) alerts naming the server\'s answer; ja3s: false silences it', async () => {
  const g = await hello(GSTATIC);
  const m = await hello(MOZILLA);
  assert.ok(g.ja3s !== undefined && /^[0-9a-f]{32}$/.test(g.ja3s), 'the capture has a ServerHello');
  assert.notEqual(m.ja3s, g.ja3s);
  const files = { 'c2-ja3s.csv': `ja3s_md5,description\n${g.ja3s!.toUpperCase()},Lab C2 listener\n${OTHER_JA3},other\n` };
  const site = await siteIntel('intel:\n  lists: [{ path: c2-ja3s.csv, kind: ja3s }]\n', files);
  try {
    const a = only(await replayWithIntel([GSTATIC, MOZILLA], site), RULE);
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port], [g['id.orig_h'], g['id.resp_h'], g['id.resp_p']]);
    assert.equal(
      x.message,
      `${g['id.orig_h']} made a TLS connection to ${g['id.resp_h']}:${g['id.resp_p']} (ssl.gstatic.com) and the server answered with JA3S ${g.ja3s}, listed in c2-ja3s.csv as "Lab C2 listener"`,
    );
    assert.deepEqual([x.evidence.fingerprint_kind, x.evidence.fingerprint, x.evidence.ja3s, x.evidence.ja3], ['ja3s', g.ja3s, g.ja3s, g.ja3]);
    assert.deepEqual(x.evidence.matches, [{ source: 'c2-ja3s.csv', kind: 'ja3s', indicator: g.ja3s!, comment: 'Lab C2 listener' }]);
  } finally {
    site.cleanup();
  }
  const off = await siteIntel('intel:\n  lists: [{ path: c2-ja3s.csv, kind: ja3s }]\ndetectors:\n  tls.bad_fingerprint: { ja3s: false }\n', files);
  try {
    assert.deepEqual(only(await replayWithIntel([GSTATIC], off), RULE), []);
  } finally {
    off.cleanup();
  }
});

test('lists without the captures\' fingerprints, and excluded clients, raise nothing', async () => {
  const g = await hello(GSTATIC);
  const files = {
    'ja3.csv': sslblCsv([[OTHER_JA3, 'Something else']]),
    'ja4.txt': `${OTHER_JA4}\n`,
    'listed.txt': `${g.ja3}\n`,
  };
  const site = await siteIntel('intel:\n  lists: [{ path: ja3.csv, kind: ja3 }, { path: ja4.txt, kind: ja4 }]\n', files);
  try {
    assert.deepEqual(only(await replayWithIntel([GSTATIC, MOZILLA], site), RULE), []);
  } finally {
    site.cleanup();
  }
  const excluded = await siteIntel(`intel:\n  lists: [{ path: listed.txt, kind: ja3 }]\ndetectors:\n  tls.bad_fingerprint: { exclude: [${g['id.orig_h']}] }\n`, files);
  try {
    assert.deepEqual(only(await replayWithIntel([GSTATIC], excluded), RULE), []);
  } finally {
    excluded.cleanup();
  }
});

test('a MISP ja3-fingerprint-md5 attribute alerts naming the event when to_ids, and only enriches otherwise', async () => {
  const g = await hello(GSTATIC);
  const event = (toIds: boolean): string =>
    JSON.stringify({
      Event: {
        uuid: '11111111-2222-4333-8444-555555555555',
        info: 'Lab loader campaign',
        Attribute: [{ uuid: 'a-ja3', type: 'ja3-fingerprint-md5', value: g.ja3!.toUpperCase(), to_ids: toIds }],
      },
    });
  const alerts = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(true) });
  try {
    const a = only(await replayWithIntel([GSTATIC], alerts), RULE);
    assert.equal(a.length, 1);
    assert.match(a[0]!.message, /listed in misp-feed:event\.json event 11111111-2222-4333-8444-555555555555 "Lab loader campaign"$/);
    assert.equal(a[0]!.evidence.listing_reason, null);
    assert.equal(a[0]!.evidence.indicator, g.ja3!.toUpperCase(), 'shown as MISP lists it');
  } finally {
    alerts.cleanup();
  }
  const context = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(false) });
  try {
    assert.deepEqual(only(await replayWithIntel([GSTATIC], context), RULE), []);
  } finally {
    context.cleanup();
  }
});

test('TLS through a web proxy\'s CONNECT tunnel (lab intel-direct): the alert says it went through the proxy, to the SNI', async () => {
  const file = path.join(REPO_ROOT, 'test', 'lab', 'captures', 'intel-direct.pcap');
  let ja3: string | undefined;
  for (const e of await replayEvents([file])) if (e.type === 'ssl' && e.inside === 'http') ja3 = e.record.ja3;
  assert.ok(ja3 !== undefined, 'the capture has TLS inside a CONNECT tunnel');
  const site = await siteIntel('intel:\n  lists: [{ path: ja3.csv, kind: ja3 }]\n', { 'ja3.csv': sslblCsv([[ja3, 'Lab Trojan']]) });
  try {
    const a = only(await replayWithIntel([file], site), RULE).find((x) => x.source.ip === '10.77.2.20')!;
    assert.equal(
      a.message,
      `10.77.2.20 made a TLS connection through its web proxy 10.77.1.10:3128 to c2-beacon.malicious.example with JA3 ${ja3}, listed in ja3.csv as "Lab Trojan"`,
    );
  } finally {
    site.cleanup();
  }
});
