/**
 * docs/logs.md against the writers: every field a replay writes is documented
 * under its log, in the documented order, and every documented field is one
 * the log's record type declares (so a field renamed or dropped in the code
 * shows up here, not in a user's SIEM parser).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_NAMES } from '../../src/logs/log-names.js';
import { replayCaptures } from '../../src/pipeline/replay.js';
import { setUpDetection } from '../../src/cli/detection.js';
import { REPO_ROOT, SURICATA_CORPUS, ZEEK_CORPUS, capturesUnder, tempDir } from '../helpers/paths.js';

/** Each log's fields as docs/logs.md lists them, in order. */
function documentedFields(): Map<string, string[]> {
  const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'logs.md'), 'utf8');
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of docs.split('\n')) {
    const section = /^## `([a-z0-9_]+)\.jsonl`/.exec(line);
    if (section !== null) {
      current = [];
      out.set(section[1]!, current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    const row = /^\| `([^`]+)` \|/.exec(line);
    if (row !== null && current !== undefined) current.push(row[1]!);
  }
  return out;
}

/** Where each log's record type is declared. */
const RECORD_TYPES: Readonly<Record<string, readonly [file: string, type: string]>> = {
  conn: ['flows/conn-record.ts', 'ConnRecord'],
  tunnel: ['flows/tunnels.ts', 'TunnelRecord'],
  dns: ['protocols/dns/events.ts', 'DnsRecord'],
  dhcp: ['protocols/dhcp/events.ts', 'DhcpRecord'],
  dhcpv6: ['protocols/dhcpv6/events.ts', 'Dhcpv6Record'],
  http: ['protocols/http/events.ts', 'HttpRecord'],
  websocket: ['protocols/websocket/events.ts', 'WebSocketRecord'],
  files: ['events/file.ts', 'FilesRecord'],
  ssl: ['protocols/tls/events.ts', 'SslRecord'],
  ssh: ['protocols/ssh/events.ts', 'SshRecord'],
  ldap: ['protocols/ldap/events.ts', 'LdapRecord'],
  ldap_search: ['protocols/ldap/events.ts', 'LdapSearchRecord'],
  smb_mapping: ['protocols/smb/events.ts', 'SmbMappingRecord'],
  smb_files: ['protocols/smb/events.ts', 'SmbFilesRecord'],
  dce_rpc: ['protocols/dcerpc/events.ts', 'DceRpcRecord'],
  ntlm: ['protocols/smb/events.ts', 'NtlmRecord'],
  kerberos: ['protocols/kerberos/events.ts', 'KerberosRecord'],
  ftp: ['protocols/ftp/events.ts', 'FtpRecord'],
  smtp: ['protocols/mail/events.ts', 'SmtpRecord'],
  rdp: ['protocols/rdp/events.ts', 'RdpRecord'],
  mysql: ['protocols/mysql/events.ts', 'MysqlRecord'],
  rfb: ['protocols/vnc/events.ts', 'RfbRecord'],
  socks: ['protocols/socks/events.ts', 'SocksRecord'],
  snmp: ['protocols/snmp/events.ts', 'SnmpRecord'],
  sip: ['protocols/sip/events.ts', 'SipRecord'],
  redis: ['protocols/redis/events.ts', 'RedisRecord'],
  tftp: ['protocols/tftp/events.ts', 'TftpRecord'],
  mqtt_connect: ['protocols/mqtt/events.ts', 'MqttConnectRecord'],
  mqtt_publish: ['protocols/mqtt/events.ts', 'MqttPublishRecord'],
  mqtt_subscribe: ['protocols/mqtt/events.ts', 'MqttSubscribeRecord'],
  quic: ['protocols/quic/events.ts', 'QuicRecord'],
  x509: ['protocols/tls/events.ts', 'X509Record'],
};

/** The property names of `export interface <type> { ... }` in `file`, in order. */
function declaredFields(file: string, type: string): string[] {
  const src = fs.readFileSync(path.join(REPO_ROOT, 'src', file), 'utf8');
  const start = src.indexOf(`export interface ${type} {`);
  assert.ok(start >= 0, `${type} is not declared in src/${file}`);
  let depth = 0;
  let body = '';
  for (let i = src.indexOf('{', start); i < src.length; i++) {
    const c = src[i]!;
    if (c === '{') depth++;
    if (c === '}' && --depth === 0) break;
    body += c;
  }
  return [...body.matchAll(/^ {2}(?:readonly )?(?:'([^']+)'|([A-Za-z_][A-Za-z0-9_]*))\??:/gm)].map((m) => m[1] ?? m[2]!);
}

/** Each log's written lines' key lists, from the files in `dir`. */
function collect(dir: string, into: Map<string, string[][]>): void {
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith('.jsonl')) continue;
    const log = f.slice(0, -'.jsonl'.length);
    let list = into.get(log);
    if (list === undefined) into.set(log, (list = []));
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (line !== '') list.push(Object.keys(JSON.parse(line) as object));
    }
  }
}

test('docs/logs.md documents every field the log writers declare, and only those, in their order', () => {
  const docs = documentedFields();
  assert.deepEqual([...docs.keys()].sort(), [...LOG_NAMES].sort());
  for (const log of LOG_NAMES) {
    const [file, type] = RECORD_TYPES[log]!;
    assert.deepEqual(docs.get(log), declaredFields(file, type), `${log}.jsonl: docs/logs.md against ${type} (src/${file})`);
  }
});

test('every field a replay writes is documented under its log in docs/logs.md, in the documented order', async () => {
  const docs = documentedFields();
  const seen = new Map<string, string[][]>();
  const dir = tempDir();
  try {
    // Every corpus capture and the QUIC, DTLS, DCE/RPC and VXLAN fixtures (the corpus has few or none), logs only.
    const fixtures = ['quic', 'dtls', 'dcerpc', 'tunnels'].map((d) => path.join(REPO_ROOT, 'test', 'fixtures', d));
    for (const file of capturesUnder(ZEEK_CORPUS, SURICATA_CORPUS, ...fixtures)) {
      await replayCaptures([file], { logsDir: dir });
      collect(dir, seen);
    }
    // With detection set up as the CLI does: enrichment (orig_asn, resp_cc, ...) and,
    // with the demo's networks, local_orig/local_resp.
    const demo = path.join(REPO_ROOT, 'assets', 'demo');
    for (const [capture, configFile] of [
      [path.join(demo, 'demo.pcap'), path.join(demo, 'picket.yaml')],
      [path.join(ZEEK_CORPUS, 'wikipedia', 'wikipedia.pcap'), undefined],
    ] as const) {
      const detection = await setUpDetection({ configFile, onAlert: () => undefined });
      await replayCaptures([capture], { logsDir: dir, bus: detection.bus, flows: detection.flows });
      await detection.finish();
      collect(dir, seen);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok((seen.get('conn')?.length ?? 0) > 1000, 'the corpus was replayed');
  for (const extra of ['local_orig', 'orig_asn', 'resp_cc']) assert.ok(seen.get('conn')!.some((keys) => keys.includes(extra)), `no conn line had ${extra}`);
  for (const [log, lines] of seen) {
    const fields = docs.get(log);
    assert.ok(fields !== undefined, `${log}.jsonl is written but has no section in docs/logs.md`);
    for (const keys of lines) {
      for (const k of keys) assert.ok(fields.includes(k), `${log}.jsonl writes "${k}", which docs/logs.md does not list`);
      const order: number[] = keys.map((k: string): number => fields.indexOf(k));
      assert.deepEqual(order, [...order].sort((a, b) => a - b), `${log}.jsonl writes its fields in another order than docs/logs.md: ${keys.join(', ')}`);
    }
  }
});
