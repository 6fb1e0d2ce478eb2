/**
 * dhcp.log conformance against the Zeek corpus (every field but `ts`, which
 * the baselines mask, and `uids`, whose values are Zeek's own connection
 * ids: only their number is compared), and the DHCP expectations of the
 * suricata-verify tests (fields of Suricata's EVE dhcp records mapped to
 * Picket's dhcp.message events).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../../helpers/paths.js';
import { readZeekLog, type ZeekRow } from '../../helpers/zeek-log.js';
import { replayEvents } from '../../helpers/replay.js';
import { createDhcpSpec } from '../../../src/protocols/dhcp/index.js';
import type { DhcpMessageEvent, DhcpRecord } from '../../../src/protocols/dhcp/events.js';
import type { PicketEvent } from '../../../src/events/types.js';
import { toZeekRow } from '../dns/zeek-compare.js';

const FIELDS = [
  'client_addr', 'server_addr', 'mac', 'host_name', 'client_fqdn', 'domain', 'requested_addr', 'assigned_addr',
  'lease_time', 'client_message', 'server_message', 'msg_types', 'duration',
] as const;
const SUB_OPT_FIELDS = ['circuit_id', 'agent_remote_id', 'subscriber_id'] as const;

async function run(file: string, opts: Parameters<typeof createDhcpSpec>[0] = {}): Promise<PicketEvent[]> {
  // A spec of its own per replay: the transaction table must not carry over between tests.
  return replayEvents([file], [createDhcpSpec(opts)]);
}

function records(events: PicketEvent[]): DhcpRecord[] {
  const out: DhcpRecord[] = [];
  for (const e of events) if (e.type === 'dhcp') out.push(e.record);
  return out;
}

function compare(ours: DhcpRecord[], zeek: ZeekRow[], fields: readonly string[]): void {
  const a = ours.map((r) => ({ ...toZeekRow(r as unknown as Record<string, unknown>, fields), uids: String(r.uids.length) }));
  const b = zeek.map((r) => {
    const row: ZeekRow = { uids: String((r.uids ?? '').split(',').length) };
    for (const f of fields) row[f] = r[f];
    return row;
  });
  const key = (r: ZeekRow): string => JSON.stringify(Object.entries(r).sort());
  assert.deepEqual(a.map(key).sort(), b.map(key).sort());
}

test('dhcp-all-msg-types: one lease exchange across four flows, RELEASE and INFORM apart', async () => {
  const dir = path.join(ZEEK_CORPUS, 'dhcp-all-msg-types');
  const events = await run(path.join(dir, 'dhcp.pcap'));
  const ours = records(events);
  compare(ours, readZeekLog(path.join(dir, 'dhcp.log')), FIELDS);
  const lease = ours.find((r) => r.msg_types.length === 7)!;
  assert.equal(lease.trans_id, 1984);
  assert.deepEqual(lease.servers, ['128.2.6.152']);
  assert.equal(events.filter((e) => e.type === 'dhcp.message').length, 9);
  const hostnames = events.filter((e) => e.type === 'hostname');
  assert.ok(hostnames.some((h) => h.type === 'hostname' && h.name === 'btest.is.cool' && h.ip === '128.2.6.189' && h.mac === '90:b1:1c:99:49:29'));
});

test('dhcp-relay-agent-opts: option 82 sub-options (sub-opts.zeek fields)', async () => {
  const dir = path.join(ZEEK_CORPUS, 'dhcp-relay-agent-opts');
  const events = await run(path.join(dir, 'dhcp_ack_subscriber_id_and_agent_remote_id.pcap'));
  compare(records(events), readZeekLog(path.join(dir, 'dhcp.log')), [...FIELDS, ...SUB_OPT_FIELDS]);
});

test('dhcp-flood: max_uids_per_log_entry=5 splits one xid into the same 63 entries', async () => {
  const dir = path.join(ZEEK_CORPUS, 'dhcp-flood');
  const ours = records(await run(path.join(dir, 'dhcp_flood.pcap'), { maxUidsPerLogEntry: 5 }));
  compare(ours, readZeekLog(path.join(dir, 'dhcp-prevent-large-uids__dhcp.log')), FIELDS);
  // 250 ACKs from 250 addresses: the rogue-DHCP view of the first entry.
  assert.equal(ours[0]!.servers.length, 4);
});

test('dhcp-flood: max_msg_types_per_log_entry=8', async () => {
  const dir = path.join(ZEEK_CORPUS, 'dhcp-flood');
  const ours = records(await run(path.join(dir, 'dhcp_flood.pcap'), { maxUidsPerLogEntry: 500, maxMsgTypesPerLogEntry: 8 }));
  compare(ours, readZeekLog(path.join(dir, 'dhcp-prevent-large-msgtypes__dhcp.log')), FIELDS);
});

/** Parameter codes Suricata's EVE names (subnet_mask, router, dns_server, domain, ...). */
const SURICATA_NAMED_PARAMS = new Set([1, 3, 6, 15]);

function messages(events: PicketEvent[]): DhcpMessageEvent[] {
  return events.filter((e): e is DhcpMessageEvent => e.type === 'dhcp.message');
}

test('suricata-verify dhcp-eve-extended: request and ack fields', async () => {
  const msgs = messages(await run(path.join(SURICATA_CORPUS, 'dhcp-eve-extended', 'input.pcap')));
  assert.equal(msgs.length, 2);
  const [req, ack] = msgs as [DhcpMessageEvent, DhcpMessageEvent];
  assert.equal(req.src_ip, '10.16.1.4');
  assert.equal(req.dst_ip, '10.16.1.1');
  assert.equal(req.dst_port, 67);
  assert.equal(req.xid, 4016330564);
  assert.equal(req.msg_type_name, 'REQUEST');
  assert.equal(req.is_client, true);
  assert.equal(req.client_id_mac, '00:11:32:17:49:f0');
  assert.equal(req.ciaddr, '10.16.1.4');
  assert.equal(req.chaddr, '00:11:32:17:49:f0');
  assert.equal(req.host_name, 'nas1\u0000');
  // Suricata lists only the parameter codes it has names for (28 and 2 are not among them).
  assert.deepEqual(req.params!.filter((p) => SURICATA_NAMED_PARAMS.has(p)), [1, 3, 15, 6]); // subnet_mask, router, domain, dns_server
  assert.deepEqual(req.params, [1, 28, 2, 3, 15, 6, 12]);
  assert.equal(ack.msg_type_name, 'ACK');
  assert.equal(ack.yiaddr, '10.16.1.4');
  assert.equal(ack.siaddr, '10.16.1.1');
  assert.equal(ack.giaddr, '0.0.0.0');
  assert.equal(ack.lease_time, 3600);
  assert.equal(ack.renewal_time, 1681);
  assert.equal(ack.rebinding_time, 3031);
  assert.deepEqual(ack.dns_servers, ['10.16.1.1']);
  assert.deepEqual(ack.routers, ['10.16.1.1']);
  assert.equal(ack.subnet_mask, '255.255.0.0');
  assert.equal(ack.host_name, 'nas1\u0000');
});

test('suricata-verify dhcp-eve-extended-option-60: vendor class and parameter list', async () => {
  const msgs = messages(await run(path.join(SURICATA_CORPUS, 'dhcp-eve-extended-option-60', 'input.pcap')));
  assert.equal(msgs.length, 1);
  const m = msgs[0]!;
  assert.equal(m.xid, 3759982360);
  assert.equal(m.src_ip, '0.0.0.0');
  assert.equal(m.src_port, 68);
  assert.equal(m.vendor_class, 'MSFT 5.0');
  assert.deepEqual(m.params!.slice(0, 4), [1, 15, 3, 6]); // subnet_mask, domain, router, dns_server
  assert.equal(m.msg_type_name, 'REQUEST');
});

test('suricata-verify dhcp-option-52-overload: options read from sname', async () => {
  const msgs = messages(await run(path.join(SURICATA_CORPUS, 'dhcp-option-52-overload', 'input.pcap')));
  const offers = msgs.filter((m) => m.msg_type_name === 'OFFER');
  const acks = msgs.filter((m) => m.msg_type_name === 'ACK');
  assert.equal(offers.length, 2);
  assert.equal(acks.length, 2);
  const overloaded = [...offers, ...acks].filter((m) => m.overload === 2);
  assert.equal(overloaded.length, 2);
  for (const m of overloaded) {
    assert.deepEqual(m.dns_servers, ['10.100.0.2']);
    assert.deepEqual(m.routers, ['10.100.0.2']);
  }
  for (const m of [...offers, ...acks].filter((x) => x.overload === undefined)) {
    assert.deepEqual(m.dns_servers, ['10.100.0.1']);
    assert.deepEqual(m.routers, ['10.100.0.1']);
  }
});
