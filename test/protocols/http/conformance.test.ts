/**
 * HTTP conformance against real captures: Zeek's http.log baselines
 * (wikipedia, http-agent-tesla, http-dvwa-sqli, mixed-vlan-mpls), VLAN and
 * Q-in-Q encapsulated requests, and suricata-verify's bug-814 (Nikto over
 * IPv6 in a VLAN) and http-not09 (request line without protocol). Every
 * remaining difference from Zeek is listed with its reason. File ids are
 * compared by number (Zeek's are random).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replayWithSummary } from '../../helpers/replay.js';
import { readZeekLog, type ZeekRow } from '../../helpers/zeek-log.js';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../../helpers/paths.js';
import { httpSpec } from '../../../src/protocols/http/index.js';
import type { HttpRecord } from '../../../src/protocols/http/events.js';
import type { PicketEvent } from '../../../src/events/types.js';

async function httpRecords(file: string): Promise<{ records: HttpRecord[]; events: PicketEvent[]; anomalies: Record<string, number> }> {
  const { events, summary } = await replayWithSummary([file], [httpSpec]);
  assert.deepEqual(summary.pipeline.app.exceptions, {}, 'no exception escaped the analyzer');
  const records: HttpRecord[] = [];
  for (const e of events) if (e.type === 'http') records.push(e.record);
  return { records, events, anomalies: summary.pipeline.app.anomalies };
}

/** Reads a btest ".cut" file: a header line of field names, then tab-separated rows. */
function readCut(file: string): ZeekRow[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('###'));
  const fields = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const v = l.split('\t');
    const row: ZeekRow = {};
    fields.forEach((f, i) => (row[f] = v[i] === '-' ? undefined : v[i] === '(empty)' ? '' : v[i]));
    return row;
  });
}

const COMPARED = [
  'method', 'host', 'uri', 'referrer', 'version', 'user_agent', 'origin', 'request_body_len',
  'response_body_len', 'status_code', 'status_msg', 'info_code', 'info_msg', 'username',
  'orig_filenames', 'orig_mime_types', 'resp_filenames', 'resp_mime_types',
] as const;

function asZeek(r: HttpRecord, field: (typeof COMPARED)[number]): string | undefined {
  const v = r[field];
  return v === undefined ? undefined : String(v);
}

const key = (h: string | undefined, p: string | number | undefined, d: string | number | undefined) => `${h}:${p}#${d}`;

/** Compares records with baseline rows matched on (orig_h, orig_p, trans_depth); returns unmatched record keys. */
function compare(records: HttpRecord[], rows: ZeekRow[], label: string, skip: readonly string[] = []): string[] {
  const byKey = new Map<string, HttpRecord>();
  for (const r of records) byKey.set(key(r['id.orig_h'], r['id.orig_p'], r.trans_depth), r);
  for (const row of rows) {
    const k = key(row['id.orig_h'], row['id.orig_p'], row.trans_depth);
    const r = byKey.get(k);
    assert.ok(r !== undefined, `${label}: no record for ${k}`);
    for (const f of COMPARED) {
      if (!(f in row) || skip.includes(f)) continue;
      assert.equal(asZeek(r, f), row[f], `${label} ${k} field ${f}`);
    }
    // File ids are random in Zeek: their number must agree (one per file the body held).
    for (const f of ['orig_fuids', 'resp_fuids'] as const) {
      if (!(f in row) || skip.includes(f)) continue;
      const zeek = row[f];
      assert.equal(r[f]?.length ?? 0, zeek === undefined || zeek === '' ? 0 : zeek.split(',').length, `${label} ${k} ${f}`);
    }
    byKey.delete(k);
  }
  return [...byKey.keys()];
}

test('wikipedia: every http.log line matches', async () => {
  const dir = path.join(ZEEK_CORPUS, 'wikipedia');
  const { records } = await httpRecords(path.join(dir, 'wikipedia.pcap'));
  const rows = readZeekLog(path.join(dir, 'http.log'));
  assert.equal(rows.length, 14);
  const extra = compare(records, rows, 'wikipedia');
  // Known difference: 141.142.220.118:35634 starts mid-connection (no SYN seen; conn.log history
  // "DdA", service unset). Zeek does not analyze HTTP on such partial connections; Picket
  // parses the complete request/reply it sees and logs it.
  assert.deepEqual(extra, ['141.142.220.118:35634#1']);
});

test('http-agent-tesla: POST with multipart body lengths', async () => {
  const dir = path.join(ZEEK_CORPUS, 'http-agent-tesla');
  const { records } = await httpRecords(path.join(dir, 'ctu-62604-80.pcap'));
  // The request is multipart/form-data: like Zeek's MIME analyzer, Picket splits it into its four
  // parts. The hwid part opens with ten printable characters (text/plain), the part named "file"
  // holds an empty ZIP directory that no signature names, and the other two are too short to type.
  const extra = compare(records, readCut(path.join(dir, 'http.log.cut')), 'agent-tesla');
  assert.deepEqual(extra, []);
  assert.deepEqual(records[0]!.orig_mime_types, ['text/plain']);
  assert.deepEqual(records[0]!.orig_filenames, ['file']);
});

test('http-dvwa-sqli: method, host and decoded uri of the injection requests', async () => {
  const dir = path.join(ZEEK_CORPUS, 'http-dvwa-sqli');
  const { records } = await httpRecords(path.join(dir, 'cooper-grill-dvwa.pcapng'));
  const rows = readCut(path.join(dir, 'http.log.cut'));
  for (const row of rows) {
    const hit = records.find((r) => r.uri === row.uri);
    assert.ok(hit !== undefined, `uri ${row.uri}`);
    assert.equal(hit.method, row.method);
    assert.equal(hit.host, row.host);
  }
  // The URI_SQLI tags come from Zeek's SQL-injection policy script, not from the analyzer.
});

test('mixed-vlan-mpls: HTTP/1.1 over VLAN and HTTP/0.9 over MPLS match http.log', async () => {
  const dir = path.join(ZEEK_CORPUS, 'mixed-vlan-mpls');
  const { records } = await httpRecords(path.join(dir, 'mixed-vlan-mpls.pcap'));
  const extra = compare(records, readZeekLog(path.join(dir, 'http.log')), 'mixed-vlan-mpls');
  assert.deepEqual(extra, []);
});

test('http-vlan-0 and http-qinq-0: the request inside VLAN 0 and Q-in-Q tags is parsed', async () => {
  // These folders only hold a conn.log cut (VLAN ids); the HTTP values are read from the capture.
  for (const name of ['http-vlan-0', 'http-qinq-0']) {
    const { records } = await httpRecords(path.join(ZEEK_CORPUS, name, `${name}.pcap`));
    assert.equal(records.length, 1, name);
    const r = records[0]!;
    assert.equal(r.method, 'GET');
    assert.equal(r.host, 'bro.org');
    assert.equal(r.uri, '/download/CHANGES.bro-aux.txt');
    assert.equal(r.user_agent, 'Wget/1.14 (darwin12.2.0)');
    assert.equal(r.status_code, 200);
    assert.equal(r.response_body_len, 4705);
  }
});

test('suricata-verify bug-814: Nikto user agent over IPv6 inside VLAN 1111', async () => {
  const { records } = await httpRecords(path.join(SURICATA_CORPUS, 'bug-814', 'input.pcap'));
  assert.equal(records.length, 1);
  const r = records[0]!;
  assert.equal(r['id.orig_h'], 'fe80::20c:29ff:fef3:cf38');
  assert.equal(r['id.orig_p'], 58307);
  assert.equal(r['id.resp_p'], 80);
  assert.equal(r.method, 'GET');
  assert.equal(r.host, 'www.net1.bg');
  assert.equal(r.uri, '/cgi-bin/cart32.exe');
  assert.equal(r.version, '1.1');
  assert.equal(r.user_agent, 'Mozilla/4.75 (Nikto/2.1.4) (Evasions:None) (Test:000003)');
  assert.equal(r.response_body_len, 0); // the server never answered
});

test('suricata-verify http-not09: headers after a protocol-less request line are still read', async () => {
  const { records, anomalies } = await httpRecords(path.join(SURICATA_CORPUS, 'http-not09', 'input.pcap'));
  assert.equal(records.length, 1);
  assert.equal(records[0]!.user_agent, 'myscript');
  assert.equal(anomalies['http.http_request_line_missing_protocol'], 1);
});
