/**
 * TLS conformance against real captures: Zeek's ssl.log baselines
 * (tls-sni-gstatic, tls13-sni-mozilla, tls13-ech) and x509.log (tls-sni-gstatic) and suricata-verify's
 * tls13-draft28 (JA3 hash and string) and community-id-ipv4 (SNI, version).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog } from '../../helpers/zeek-log.js';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../../helpers/paths.js';
import { createTlsSpec, tlsSpec } from '../../../src/protocols/tls/index.js';
import type { SslRecord, X509Record } from '../../../src/protocols/tls/events.js';

async function sslRecords(file: string): Promise<SslRecord[]> {
  const { events, summary } = await replayWithSummary([file], [tlsSpec]);
  assert.deepEqual(summary.pipeline.app.exceptions, {}, 'no exception escaped the analyzer');
  const out: SslRecord[] = [];
  for (const e of events) if (e.type === 'ssl') out.push(e.record);
  return out;
}

const FIELDS = ['version', 'cipher', 'curve', 'server_name', 'last_alert', 'next_protocol', 'ssl_history'] as const;

async function compareWithZeek(folder: string, pcap: string): Promise<void> {
  const dir = path.join(ZEEK_CORPUS, folder);
  const records = await sslRecords(path.join(dir, pcap));
  const rows = readZeekLog(path.join(dir, 'ssl.log'));
  assert.equal(records.length, rows.length, `${folder}: one record per ssl.log line`);
  for (const row of rows) {
    const r = records.find((x) => x['id.orig_h'] === row['id.orig_h'] && String(x['id.orig_p']) === row['id.orig_p']);
    assert.ok(r !== undefined, `${folder}: record for ${row['id.orig_h']}:${row['id.orig_p']}`);
    for (const f of FIELDS) assert.equal(r[f], row[f], `${folder} ${f}`);
    assert.equal(r.resumed ? 'T' : 'F', row.resumed, `${folder} resumed`);
    assert.equal(r.established ? 'T' : 'F', row.established, `${folder} established`);
    assert.equal((r.cert_chain_fps ?? []).join(',') || undefined, row.cert_chain_fps || undefined, `${folder} cert_chain_fps`);
    assert.equal((r.client_cert_chain_fps ?? []).join(',') || undefined, row.client_cert_chain_fps || undefined, `${folder} client_cert_chain_fps`);
    assert.equal(r.sni_matches_cert === undefined ? undefined : r.sni_matches_cert ? 'T' : 'F', row.sni_matches_cert, `${folder} sni_matches_cert`);
  }
}

/** x509.log's value of one of our record's fields, as Zeek's TSV writes it. */
function zeekText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

test('tls-sni-gstatic: every x509.log field of both certificates matches Zeek', async () => {
  const dir = path.join(ZEEK_CORPUS, 'tls-sni-gstatic');
  const { events } = await replayWithSummary([path.join(dir, 'tls-conn-with-extensions.pcap')], [createTlsSpec()]);
  const records: X509Record[] = [];
  for (const e of events) if (e.type === 'x509') records.push(e.record);
  const rows = readZeekLog(path.join(dir, 'x509.log'));
  assert.equal(records.length, rows.length);
  for (const row of rows) {
    const r = records.find((x) => x.fingerprint === row.fingerprint);
    assert.ok(r !== undefined, `certificate ${row.fingerprint}`);
    for (const [field, zeek] of Object.entries(row)) {
      if (field === 'ts') continue; // masked in the baseline
      const ours: unknown = (r as unknown as Record<string, unknown>)[field];
      if (field.endsWith('not_valid_before') || field.endsWith('not_valid_after')) assert.equal(ours, Number(zeek), field);
      else assert.equal(zeekText(ours), zeek, field);
    }
  }
});

test('tls-sni-gstatic: TLS 1.0 ECDHE with SNI matches ssl.log', async () => {
  await compareWithZeek('tls-sni-gstatic', 'tls-conn-with-extensions.pcap');
});

test('tls13-sni-mozilla: TLS 1.3 draft 23 matches ssl.log', async () => {
  await compareWithZeek('tls13-sni-mozilla', 'tls13draft23-chrome67.0.3368.0-canary.pcap');
});

test('tls13-ech: outer SNI of Encrypted Client Hello connections matches ssl.log', async () => {
  // The capture also holds a connection that began before capture (only encrypted records):
  // like Zeek, Picket writes no ssl.log line for it.
  await compareWithZeek('tls13-ech', 'tls13-ech.pcap');
});

test('suricata-verify tls13-draft28: JA3 hashes and strings of both connections', async () => {
  const records = await sslRecords(path.join(SURICATA_CORPUS, 'tls__tls13-draft28', 'tls13_draft28.pcap'));
  assert.equal(records.length, 2);
  for (const r of records) {
    assert.equal(r.server_name, 'localhost');
    assert.equal(r.version, 'TLSv13-draft28');
  }
  const ja3 = records.map((r) => [r.ja3, r.ja3_string]).sort();
  assert.deepEqual(ja3, [
    [
      '43202faa1c8c1760d6f7f4bd9adde4ab',
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45,23,0',
    ],
    [
      'd00857e0c8e7a7f35e446508c6233460',
      '771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-65281-0-45-41,23,0',
    ],
  ]);
  // The second connection offers a pre_shared_key (41) and the server accepts it.
  assert.equal(records.find((r) => r.ja3 === 'd00857e0c8e7a7f35e446508c6233460')!.resumed, true);
});

test('suricata-verify community-id-ipv4: SNI and TLS 1.3', async () => {
  const records = await sslRecords(path.join(SURICATA_CORPUS, 'community-id-ipv4', 'input.pcap'));
  const r = records.find((x) => x['id.orig_p'] === 35958);
  assert.ok(r !== undefined);
  assert.equal(r['id.orig_h'], '172.26.0.39');
  assert.equal(r['id.resp_h'], '172.217.14.206');
  assert.equal(r.server_name, 'ipv4.google.com');
  assert.equal(r.version, 'TLSv13');
  assert.match(r.ja4!, /^t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
});
