/**
 * Test harness for detectors: a real EventBus and engine built from YAML
 * config text, event builders with Zeek-like defaults, and the alerts
 * collected in emission order.
 */
import { EventBus } from '../../src/events/bus.js';
import type { PicketEvent, FlowEndEvent } from '../../src/events/types.js';
import type { ConnRecord } from '../../src/flows/conn-record.js';
import type { ArpEvent } from '../../src/events/arp.js';
import type { AuthEvent } from '../../src/events/auth.js';
import type { HostnameEvent } from '../../src/events/hostname.js';
import { checkConfigText } from '../../src/config/load.js';
import type { SiteConfig } from '../../src/config/schema.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { replayCaptures } from '../../src/pipeline/replay.js';

/** The example site of the task description (servers, workstations, one scanner suppressed). */
export const SITE_YAML = `
networks:
  - name: servers
    cidrs: [10.77.1.0/24]
    role: server
    new_device_alerts: true
  - name: workstations
    cidrs: [10.77.2.0/24]
    role: workstation
    new_device_alerts: false
segmentation:
  - { from: workstations, to: servers, ports: [22, 3389, 5985], action: alert }
lateral_movement:
  ports: [22, 135, 139, 445, 3389, 5900, 5985, 5986]
dhcp:
  authorized_servers: [10.77.1.1]
  watch_hostnames: ["kali", "parrot*"]
`;

export function config(yaml: string): SiteConfig {
  const r = checkConfigText(yaml, 'test.yaml');
  if (r.config === null) throw new Error(r.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`).join('\n'));
  return r.config;
}

export interface Harness {
  bus: EventBus;
  engine: Engine;
  alerts: Alert[];
  emit(e: PicketEvent): void;
  /** Flushes held alerts and returns everything emitted so far. */
  finish(): Alert[];
}

export function harness(yaml: string, extra: Partial<EngineOptions> = {}): Harness {
  const bus = new EventBus();
  const alerts: Alert[] = [];
  bus.onError = (err) => {
    throw err;
  };
  const engine = createEngine({ config: config(yaml), bus, onAlert: (a) => alerts.push(a), ...extra });
  return {
    bus,
    engine,
    alerts,
    emit: (e) => bus.emit(e),
    finish: () => {
      engine.flush();
      return alerts;
    },
  };
}

let uidCounter = 0;

/** A flow.end event; defaults describe a TCP SYN to a closed port (REJ). */
export function flow(r: Partial<ConnRecord> & { ts: number }, endTs = r.ts + 0.01, openedWithAck?: boolean): FlowEndEvent {
  const record: ConnRecord = {
    uid: `Ctest${++uidCounter}`,
    'id.orig_h': '10.77.2.20',
    'id.orig_p': 40000 + (uidCounter % 20000),
    'id.resp_h': '10.77.1.10',
    'id.resp_p': 80,
    proto: 'tcp',
    conn_state: 'REJ',
    missed_bytes: 0,
    history: 'Sr',
    orig_pkts: 1,
    orig_ip_bytes: 44,
    resp_pkts: 1,
    resp_ip_bytes: 40,
    ip_proto: 6,
    community_id: '1:test',
    ...r,
  };
  const e: FlowEndEvent = { type: 'flow.end', ts: endTs, log: 'conn', record, reason: 'closed' };
  if (openedWithAck !== undefined) e.openedWithAck = openedWithAck;
  return e;
}

/** An established TCP session with payload both ways. */
export function session(r: Partial<ConnRecord> & { ts: number }): FlowEndEvent {
  return flow({ conn_state: 'SF', history: 'ShADadFf', orig_bytes: 500, resp_bytes: 1500, duration: 2, orig_pkts: 8, resp_pkts: 8, ...r });
}

export function arp(ts: number, spa: string, tpa: string, sha = '02:00:00:00:00:01', op = 1): ArpEvent {
  return { type: 'arp', ts, op, src_mac: sha, sha, spa, tha: '00:00:00:00:00:00', tpa };
}

export function auth(ts: number, a: Partial<AuthEvent> = {}): AuthEvent {
  return {
    type: 'auth',
    ts,
    uid: `Cauth${++uidCounter}`,
    service: 'ssh',
    client: '10.77.2.20',
    client_port: 50000,
    server: '10.77.1.10',
    server_port: 22,
    transport: 'tcp',
    outcome: 'failure',
    ...a,
  };
}

export function hostname(ts: number, h: Partial<HostnameEvent> & { name: string }): HostnameEvent {
  return { type: 'hostname', ts, ip: '10.77.2.30', mac: '02:00:00:00:00:30', source: 'dhcp', ...h };
}

export function only(alerts: Alert[], rule: string): Alert[] {
  return alerts.filter((a) => a.rule.id === rule);
}

import type { DhcpMessageEvent } from '../../src/protocols/dhcp/events.js';
import type { DnsLogEvent, DnsRecord } from '../../src/protocols/dns/events.js';
import type { LdapSealedEvent, LdapSearchEvent, LdapSearchLogEvent, LdapSearchRecord } from '../../src/protocols/ldap/events.js';

/** A DHCP message; defaults describe a client DISCOVER. */
export function dhcp(ts: number, m: Partial<DhcpMessageEvent> = {}): DhcpMessageEvent {
  return {
    type: 'dhcp.message',
    ts,
    uid: `Cdhcp${++uidCounter}`,
    src_ip: '0.0.0.0',
    src_port: 68,
    dst_ip: '255.255.255.255',
    dst_port: 67,
    is_client: true,
    op: 1,
    xid: 0x1234,
    msg_type: 1,
    msg_type_name: 'DISCOVER',
    chaddr: '02:00:00:00:02:30',
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    options: [53],
    truncated: false,
    ...m,
  };
}

/** A server answer (OFFER by default) from 10.77.1.1. */
export function dhcpServer(ts: number, m: Partial<DhcpMessageEvent> = {}): DhcpMessageEvent {
  return dhcp(ts, {
    src_ip: '10.77.1.1',
    src_port: 67,
    dst_port: 68,
    is_client: false,
    op: 2,
    msg_type: 2,
    msg_type_name: 'OFFER',
    yiaddr: '10.77.2.150',
    server_id: '10.77.1.1',
    src_mac: '02:00:00:00:01:01',
    ...m,
  });
}

/** A dns.log record event; defaults: A query for host1.example.com to 10.77.1.53. */
export function dns(ts: number, r: Partial<DnsRecord> = {}): DnsLogEvent {
  const record: DnsRecord = {
    ts,
    uid: `Cdns${++uidCounter}`,
    'id.orig_h': '10.77.2.20',
    'id.orig_p': 50000,
    'id.resp_h': '10.77.1.53',
    'id.resp_p': 53,
    proto: 'udp',
    trans_id: uidCounter & 0xffff,
    query: `host${uidCounter}.example.com`,
    qclass: 1,
    qclass_name: 'C_INTERNET',
    qtype: 1,
    qtype_name: 'A',
    rcode: 0,
    rcode_name: 'NOERROR',
    AA: false,
    TC: false,
    RD: true,
    RA: true,
    Z: 0,
    rejected: false,
    ...r,
  };
  return { type: 'dns', log: 'dns', ts, uid: record.uid, record };
}

export function ldapSearch(ts: number, s: Partial<LdapSearchEvent> = {}): LdapSearchEvent {
  return {
    type: 'ldap.search',
    ts,
    uid: `Cldap${++uidCounter}`,
    client: '10.77.2.20',
    server: '10.77.1.5',
    server_port: 389,
    message_id: uidCounter,
    base_object: 'DC=corp,DC=example',
    scope: 'tree',
    filter: '(objectClass=*)',
    attributes: [],
    size_limit: 0,
    ...s,
  };
}

export function ldapSealed(ts: number, s: Partial<LdapSealedEvent> = {}): LdapSealedEvent {
  return {
    type: 'ldap.sealed',
    ts,
    uid: `Cldap${++uidCounter}`,
    client: '10.77.2.20',
    server: '10.77.1.5',
    server_port: 389,
    mechanism: 'GSS-SPNEGO',
    requests: 0,
    responses: 0,
    request_bytes: 0,
    response_bytes: 0,
    ...s,
  };
}

export function ldapSearchLog(ts: number, r: Partial<LdapSearchRecord> = {}): LdapSearchLogEvent {
  const record: LdapSearchRecord = {
    ts,
    uid: `Cldap${++uidCounter}`,
    'id.orig_h': '10.77.2.20',
    'id.orig_p': 50100,
    'id.resp_h': '10.77.1.5',
    'id.resp_p': 389,
    result_count: 0,
    ...r,
  };
  return { type: 'ldap_search', log: 'ldap_search', ts, uid: record.uid, record };
}

import type { KerberosKdcEvent } from '../../src/protocols/kerberos/events.js';

/**
 * A completed KDC exchange; defaults: 10.77.2.20 (alice@CORP.EXAMPLE, a
 * Windows client offering AES first) obtaining an AES ticket for
 * cifs/fs1.corp.example from the KDC 10.77.1.5.
 */
export function kdc(ts: number, k: Partial<KerberosKdcEvent> = {}): KerberosKdcEvent {
  return {
    type: 'kerberos.kdc',
    ts,
    uid: `Ckrb${++uidCounter}`,
    client: '10.77.2.20',
    client_port: 50000 + (uidCounter % 10000),
    kdc: '10.77.1.5',
    kdc_port: 88,
    transport: 'tcp',
    request_type: 'TGS',
    principal: 'alice',
    realm: 'CORP.EXAMPLE',
    service: 'cifs/fs1.corp.example',
    request_seen: true,
    request_etypes: [18, 17, 23, 24, -135],
    preauth: false,
    success: true,
    ticket_etype: 18,
    reply_etype: 18,
    error_code: -1,
    ...k,
  };
}

import type { DceRpcBindEvent, DceRpcCallEvent } from '../../src/protocols/dcerpc/events.js';

/**
 * One DCE/RPC call; defaults: workstation 10.77.2.20 calling svcctl
 * CreateServiceW on server 10.77.1.10 over the SMB pipe \PIPE\svcctl,
 * answered without a fault.
 */
export function rpcCall(ts: number, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return {
    type: 'dce_rpc.call',
    ts,
    uid: `Crpc${++uidCounter}`,
    client: '10.77.2.20',
    server: '10.77.1.10',
    server_port: 445,
    transport: 'smb',
    named_pipe: '\\PIPE\\svcctl',
    interface_uuid: '367abb81-9844-35f1-ad32-98f038001003',
    interface_version: '2.0',
    endpoint: 'svcctl',
    opnum: 12,
    operation: 'CreateServiceW',
    rtt: 0.002,
    request_bytes: 200,
    response_bytes: 28,
    ...c,
  };
}

/** An accepted bind; defaults: 10.77.1.6 binding drsuapi on 10.77.1.5 over TCP. */
export function rpcBind(ts: number, b: Partial<DceRpcBindEvent> = {}): DceRpcBindEvent {
  return {
    type: 'dce_rpc.bind',
    ts,
    uid: `Crpc${++uidCounter}`,
    client: '10.77.1.6',
    server: '10.77.1.5',
    server_port: 49668,
    transport: 'tcp',
    named_pipe: '49668',
    interface_uuid: 'e3514235-4b06-11d1-ab04-00c04fc2dcd2',
    interface_version: '4.0',
    endpoint: 'drsuapi',
    context_id: 0,
    accepted: true,
    alter: false,
    ...b,
  };
}

/** The alerts of rules `rules` when capture `file` is replayed through the engine with config `yaml` (every other rule on its defaults) and `extra` engine options (intel). */
export async function replayRuleAlerts(file: string, rules: readonly string[], yaml = '', extra: Partial<EngineOptions> = {}): Promise<Alert[]> {
  const r = checkConfigText(yaml, 'test.yaml');
  if (r.config === null) throw new Error(`bad test config: ${JSON.stringify(r.problems)}`);
  const alerts: Alert[] = [];
  const bus = new EventBus();
  const engine = createEngine({ config: r.config, bus, onAlert: (a) => alerts.push(a), ...extra });
  await replayCaptures([file], { bus });
  engine.flush();
  return alerts.filter((a) => rules.includes(a.rule.id));
}
