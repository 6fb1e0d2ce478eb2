/**
 * Detectors on real captures from the shared Zeek and Suricata corpora,
 * replayed through the real pipeline (capture, decode, flows, analyzers) into
 * the engine. Paths are relative to the Zeek corpus, or absolute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fs from 'node:fs';
import { SURICATA_CORPUS, ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import type { PicketEvent } from '../../src/events/types.js';
import { EventBus } from '../../src/events/bus.js';
import { createEngine } from '../../src/detect/engine.js';
import type { Alert } from '../../src/alerts/alert.js';
import { config, only } from './harness.js';

const cache = new Map<string, PicketEvent[]>();

/** Events of a capture under the Zeek corpus (or any path under the shared corpus, when absolute). */
async function events(rel: string): Promise<PicketEvent[]> {
  let ev = cache.get(rel);
  if (ev === undefined) {
    ev = await replayEvents([path.resolve(ZEEK_CORPUS, rel)]);
    cache.set(rel, ev);
  }
  return ev;
}

async function run(rel: string, yaml = ''): Promise<Alert[]> {
  const bus = new EventBus();
  const alerts: Alert[] = [];
  const engine = createEngine({ config: config(yaml), bus, onAlert: (a) => alerts.push(a) });
  for (const e of await events(rel)) bus.emit(e);
  engine.flush();
  assert.deepEqual(engine.stats().handler_errors, {}, 'no detector threw');
  return alerts;
}

const present = (rel: string): boolean => fs.existsSync(path.resolve(ZEEK_CORPUS, rel));

test('nmap-vsn: the ARP sweep of 192.168.1.0/24 is one scan.arp alert', { skip: !present('nmap-vsn/nmap-vsn.pcap') }, async () => {
  const a = only(await run('nmap-vsn/nmap-vsn.pcap'), 'scan.arp');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.1.71');
  assert.equal(a[0]!.source.mac, 'c4:2c:03:3b:6c:aa');
  assert.equal(a[0]!.evidence.segment, '192.168.1.0/24');
  assert.ok((a[0]!.evidence.targets_count as number) > 200);
  // Above the number of addresses asked for, the same capture is quiet.
  assert.equal(only(await run('nmap-vsn/nmap-vsn.pcap', 'detectors:\n  scan.arp: { threshold: 300 }\n'), 'scan.arp').length, 0);
});

test('sshguess: password guessing from 192.168.56.1 at Zeek test threshold (10); each of the 28 guesses in its 11 connections counts', { skip: !present('ssh-bruteforce/sshguess.pcap') }, async () => {
  const yaml = (n: number) => `detectors:\n  auth.bruteforce:\n    failures: { ssh: { threshold: ${n}, window: 30m } }\n`;
  const a = only(await run('ssh-bruteforce/sshguess.pcap', yaml(10)), 'auth.bruteforce');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.56.1');
  assert.equal(a[0]!.evidence.mode, 'failures');
  assert.deepEqual(a[0]!.evidence.servers, ['192.168.56.103']);
  assert.equal(a[0]!.count, 28, 'every guess the size heuristic saw, not one per connection as Zeek counts');
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap', yaml(28)), 'auth.bruteforce').length, 1);
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap', yaml(29)), 'auth.bruteforce').length, 0);
  // Default (30 failures) is quiet on 28 guesses, and the connections with an auth event are not double-counted.
  assert.equal(only(await run('ssh-bruteforce/sshguess.pcap'), 'auth.bruteforce').length, 0);
});

test('dhcp_flood: 250 ACKs through one Server Identifier are one unauthorized server, or none when it is listed', { skip: !present('dhcp-flood/dhcp_flood.pcap') }, async () => {
  const rogue = only(await run('dhcp-flood/dhcp_flood.pcap', 'dhcp:\n  authorized_servers: [128.2.7.1]\n'), 'dhcp.rogue_server');
  assert.equal(rogue.length, 1);
  assert.equal(rogue[0]!.source.ip, '128.2.6.152');
  assert.equal(rogue[0]!.count, 250);
  assert.equal(only(await run('dhcp-flood/dhcp_flood.pcap', 'dhcp:\n  authorized_servers: [128.2.6.152]\n'), 'dhcp.rogue_server').length, 0);
  // Without a list, one server answering is no conflict.
  assert.equal(only(await run('dhcp-flood/dhcp_flood.pcap'), 'dhcp.rogue_server').length, 0);
});

test('ftp bruteforce: 20 failed logins (Zeek FTP::Bruteforcing) once FTP auth events exist', { skip: !present('ftp-bruteforce/bruteforce.pcap') }, async (t) => {
  const ev = await events('ftp-bruteforce/bruteforce.pcap');
  if (!ev.some((e) => e.type === 'auth')) {
    t.skip('no FTP analyzer publishing auth events yet');
    return;
  }
  const a = only(await run('ftp-bruteforce/bruteforce.pcap'), 'auth.bruteforce');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.56.1');
  assert.equal(a[0]!.evidence.service, 'ftp');
});

const KERBEROAST = path.join(SURICATA_CORPUS, 'krb5-kerberoasting', 'kerberoast.pcap');
const KRB_ROASTING = ['kerberos.kerberoasting', 'kerberos.asrep_roasting'];

test('kerberoast: one RC4 ticket for HTTP/dc-mantvydas after an AES-first offer is quiet by default, an alert at weak_threshold 1', { skip: !present(KERBEROAST) }, async () => {
  // The capture's client is Windows (PowerShell's KerberosRequestorSecurityToken): it offered
  // AES first and the KDC chose RC4 for a service account without AES keys, which is also
  // what legitimate access to such a service looks like. One ticket stays under the 5 services.
  assert.deepEqual((await run(KERBEROAST)).filter((a) => KRB_ROASTING.includes(a.rule.id)), []);
  const a = only(await run(KERBEROAST, 'detectors:\n  kerberos.kerberoasting: { weak_threshold: 1 }\n'), 'kerberos.kerberoasting');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '10.0.0.2');
  assert.deepEqual(a[0]!.destination, { ip: '10.0.0.6', port: 88 });
  assert.equal(a[0]!.message, '10.0.0.2 obtained a crackable service ticket for HTTP/dc-mantvydas.offense.local (rc4-hmac) as spotless@OFFENSE.LOCAL');
  assert.deepEqual(a[0]!.evidence.services, ['HTTP/dc-mantvydas.offense.local']);
  assert.deepEqual(a[0]!.evidence.accounts, ['spotless@OFFENSE.LOCAL']);
  assert.deepEqual(a[0]!.evidence.ticket_etypes, ['rc4-hmac']);
  assert.deepEqual(a[0]!.evidence.kdcs, ['10.0.0.6']);
  assert.equal(a[0]!.evidence.downgraded_requests, 0);
});

test('normal Kerberos (kinit, a TGS, AP in SMB, a pre-authentication prompt) raises no roasting alert', async () => {
  const captures = [
    'krb-kinit/kinit.pcap',
    'krb-auth-tgs/auth.pcap',
    'krb-dcerpc-spnego/kerberos135_auth.pcapng',
    'krb-dcerpc-spnego/kerberos445_auth.pcapng',
    path.join(SURICATA_CORPUS, 'krb5-probing', 'krb.pcap'),
  ].filter(present);
  assert.equal(captures.length, 5);
  for (const c of captures) {
    assert.deepEqual((await run(c)).filter((a) => KRB_ROASTING.includes(a.rule.id)).map((a) => a.message), [], c);
  }
});

test('kinit: the MIT KDC answers AES AS-REPs without pre-authentication; any_etype reports them', { skip: !present('krb-kinit/kinit.pcap') }, async () => {
  const a = only(await run('krb-kinit/kinit.pcap', 'detectors:\n  kerberos.asrep_roasting: { any_etype: true }\n'), 'kerberos.asrep_roasting');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.1.31');
  assert.equal(a[0]!.count, 47);
  assert.deepEqual(a[0]!.evidence.roastable_accounts, ['valid_client_principal@VLADG.NET', 'expired_password_client_principal@VLADG.NET', 'valid_service_principal/test.vladg.net@VLADG.NET']);
  assert.deepEqual(a[0]!.evidence.reply_etypes, ['aes256-cts-hmac-sha1-96']);
  assert.equal(a[0]!.message, '192.168.1.31 received aes256-cts-hmac-sha1-96 AS-REPs for 3 accounts that do not require Kerberos pre-authentication');
});

test('ldap-invalid-credentials: six accounts failing twice from one client in 48 s is no spray at the defaults (three are machine accounts); at threshold 3 it is', { skip: !present('ldap-invalid-credentials/ldap_invalid_credentials.pcap') }, async () => {
  const rel = 'ldap-invalid-credentials/ldap_invalid_credentials.pcap';
  // 192.168.66.141 binds (NTLM in GSS-SPNEGO) as Administrator, DC01-ZION$, DESKTOP-EVIL$, DESKTOP-VICTIM$,
  // agent.smith and mister.andersson, each twice, all refused with invalidCredentials.
  const failures = (await events(rel)).filter((e) => e.type === 'auth' && e.outcome === 'failure');
  assert.equal(failures.length, 12);
  // Three user accounts are under 10, and the three machine accounts are not counted; 12 failures are under 20 in 15 min.
  const quiet = await run(rel);
  assert.equal(only(quiet, 'auth.spray').length, 0);
  assert.equal(only(quiet, 'auth.bruteforce').length, 0);

  const a = only(await run(rel, 'detectors:\n  auth.spray: { threshold: 3 }\n'), 'auth.spray');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.66.141');
  assert.equal(a[0]!.destination?.ip, '192.168.66.138');
  assert.equal(a[0]!.count, 3);
  assert.deepEqual(a[0]!.evidence.users, ['administrator', 'agent.smith', 'mister.andersson']);
  assert.deepEqual(a[0]!.evidence.services, ['ldap']);
  assert.match(a[0]!.message, /^192\.168\.66\.141 sprayed 3 accounts with failed LDAP logins on 192\.168\.66\.138 in \d+ s$/);
  // Counting machine accounts too, all six.
  const all = only(await run(rel, 'detectors:\n  auth.spray: { threshold: 6, ignore_users: [] }\n'), 'auth.spray');
  assert.equal(all.length, 1);
  assert.equal(all[0]!.count, 6);
});

test('krb-kinit: the four principals refused from one client (two unknown, one wrong password, one locked out) are one account each; no spray at 10', { skip: !present('krb-kinit/kinit.pcap') }, async () => {
  const rel = 'krb-kinit/kinit.pcap';
  assert.equal(only(await run(rel), 'auth.spray').length, 0);
  const a = only(await run(rel, 'detectors:\n  auth.spray: { threshold: 4 }\n'), 'auth.spray');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.1.31');
  assert.equal(a[0]!.count, 4);
  // "enterprise_principal@AD.VLADG.NET/VLADG.NET" (12 refusals) is one account, without its realms.
  assert.deepEqual(a[0]!.evidence.users, ['enterprise_principal', 'invalid_client_principal', 'requires_preauth_client_principal', 'lockout_policy_client_principal']);
  assert.equal(a[0]!.evidence.scope, 'directory');
  assert.equal(only(await run(rel, 'detectors:\n  auth.spray: { threshold: 5 }\n'), 'auth.spray').length, 0);
});

test('ftp bruteforce: 30 guesses for one account from one client are password guessing, not spraying nor distributed guessing', { skip: !present('ftp-bruteforce/bruteforce.pcap') }, async () => {
  const alerts = await run('ftp-bruteforce/bruteforce.pcap');
  assert.equal(only(alerts, 'auth.spray').length, 0, 'one account ("bro")');
  const brute = only(alerts, 'auth.bruteforce');
  assert.deepEqual(brute.map((a) => a.evidence.mode), ['failures'], 'one client: no distributed alert');
});

test('suricata krb5-probing: one AS-REQ answered PREAUTH_REQUIRED is the routine pre-authentication prompt, not a failed login', { skip: !fs.existsSync(path.join(SURICATA_CORPUS, 'krb5-probing/krb.pcap')) }, async () => {
  const rel = path.join(SURICATA_CORPUS, 'krb5-probing/krb.pcap');
  const ev = await events(rel);
  assert.equal(ev.filter((e) => e.type === 'kerberos').length, 1);
  assert.equal(ev.filter((e) => e.type === 'auth').length, 0);
  const alerts = await run(rel, 'detectors:\n  auth.spray: { threshold: 1 }\n  auth.bruteforce:\n    distributed: { threshold: 1 }\n');
  assert.equal(only(alerts, 'auth.spray').length + only(alerts, 'auth.bruteforce').length, 0);
});

test('http-dvwa-sqli: the three manual injections Zeek flags (HTTP::URI_SQLI) are one http.sqli alert from 192.168.111.148', { skip: !present('http-dvwa-sqli/cooper-grill-dvwa.pcapng') }, async () => {
  const rel = 'http-dvwa-sqli/cooper-grill-dvwa.pcapng';
  const a = only(await run(rel), 'http.sqli');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source.ip, '192.168.111.148');
  assert.equal(a[0]!.destination?.ip, '192.168.111.154');
  // The URIs of Zeek's http.log.cut baseline, tagged URI_SQLI there.
  assert.deepEqual(a[0]!.evidence.uris, [
    "/dvwa/vulnerabilities/sqli/?id=1'+OR+'1'='1&Submit=Submit",
    '/dvwa/vulnerabilities/sqli/?id=1\'+UNION+SELECT+NULL,+version()+#&Submit=Submit',
    "/dvwa/vulnerabilities/sqli/?id=2'+OR+'2'='2&Submit=Submit",
  ]);
  assert.equal(a[0]!.count, 3);
  // No other request of the capture matches: at four the threshold is not reached.
  assert.equal(only(await run(rel, 'detectors:\n  http.sqli: { threshold: 4 }\n'), 'http.sqli').length, 0);
});
