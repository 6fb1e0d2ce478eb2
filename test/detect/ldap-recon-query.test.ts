/**
 * ldap.recon_query on the lab's capture (test/lab/captures/ldap-recon.pcap:
 * the filters of GetUserSPNs, GetNPUsers, findDelegation, PowerView,
 * a LAPS read and Certipy, sent with ldapsearch), on every other capture
 * (quiet, the ldap-enum sweep included), and on built searches: which
 * filters and attributes are reconnaissance, and the allowlist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, ldapSearch, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT, ZEEK_CORPUS, SURICATA_CORPUS, capturesUnder } from '../helpers/paths.js';
import { reconMarkersOf } from '../../src/detect/ldap-recon.js';

const RULE = 'ldap.recon_query';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

const targeted = (filter: string, attributes: string[] = []): string[] => reconMarkersOf(filter, attributes).filter((m) => m.targeted).map((m) => m.what);

test('reconMarkersOf: the tools\' filters, in any case; bit tests exact; broad searches not targeted', () => {
  assert.deepEqual(targeted('(&(servicePrincipalName=*)(UserAccountControl:1.2.840.113556.1.4.803:=512)(!(objectCategory=computer)))'), ['service accounts (Kerberoasting)']);
  assert.deepEqual(targeted('(userAccountControl:1.2.840.113556.1.4.803:=4194304)'), ['accounts without Kerberos pre-authentication (AS-REP roasting)']);
  assert.deepEqual(targeted('(useraccountcontrol:1.2.840.113556.1.4.804:=524288)'), ['unconstrained delegation']);
  assert.deepEqual(targeted('(userAccountControl:1.2.840.113556.1.4.803:=32)'), ['accounts that need no password']);
  // 32768 is not 32; a specific SPN lookup is not a sweep; "admincount=10" is not adminCount=1.
  assert.deepEqual(targeted('(userAccountControl:1.2.840.113556.1.4.803:=32768)'), []);
  assert.deepEqual(targeted('(servicePrincipalName=HTTP/web01.corp.example)'), []);
  assert.deepEqual(targeted('(adminCount=10)'), []);
  assert.deepEqual(targeted('(objectClass=computer)', ['dNSHostName', 'ms-Mcs-AdmPwd']), ['LAPS passwords']);
  assert.deepEqual(targeted('(objectClass=computer)', ['msLAPS-EncryptedPassword']), ['LAPS passwords']);
  assert.deepEqual(targeted('(objectClass=trustedDomain)'), ['domain trusts']);
  assert.deepEqual(targeted('(objectclass=pKIEnrollmentService)'), ['AD CS certificate templates and authorities']);
  assert.deepEqual(reconMarkersOf('(&(objectCategory=person)(samAccountType=805306368))').map((m) => [m.what, m.targeted]), [['all user accounts', false], ['all people', false]]);
  assert.deepEqual(targeted('(objectClass=groupPolicyContainer)'), []);
  // What a search excludes is not what it looks for: enabled users that do require pre-authentication.
  assert.deepEqual(targeted('(&(objectCategory=user)(!(userAccountControl:1.2.840.113556.1.4.803:=4194304))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))'), []);
  assert.deepEqual(targeted('(&(!(adminCount=1))(servicePrincipalName=*))'), ['service accounts (Kerberoasting)']);
});

test('ldap-recon.pcap: the workstation running the tools\' searches alerts once, naming all of them', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'ldap-recon.pcap'), [RULE]);
  assert.equal(a.length, 1);
  assert.equal(a[0]!.source?.ip, '10.77.2.20');
  assert.equal(a[0]!.destination?.port, 389);
  assert.equal(a[0]!.event.severity, 3);
  assert.equal(a[0]!.threat.technique.id, 'T1087.002');
  assert.equal(a[0]!.evidence.searches, 6);
  assert.equal((a[0]!.evidence.looked_for as string[]).length, 8);
  assert.match(a[0]!.message, /^10\.77\.2\.20 searched the directory on 10\.77\.1\.10 for service accounts \(Kerberoasting\), accounts without Kerberos pre-authentication \(AS-REP roasting\), .* \(6 searches\)$/);
});

test('no other capture raises it', async () => {
  const files = [
    ...capturesUnder(ZEEK_CORPUS), ...capturesUnder(SURICATA_CORPUS), ...capturesUnder(path.join(REPO_ROOT, 'test', 'fixtures')),
    ...capturesUnder(LAB).filter((f) => !f.endsWith('ldap-recon.pcap')),
  ];
  for (const f of files) assert.deepEqual(await replayRuleAlerts(f, [RULE]), [], f);
});

test('one targeted search alerts; broad ones do not; allowed clients and excluded hosts are quiet', () => {
  const run = (filter: string, yaml = SITE_YAML, attributes: string[] = []) => {
    const h = harness(yaml);
    h.emit(ldapSearch(1000, { filter, attributes }));
    return only(h.finish(), RULE);
  };
  const a = run('(&(samAccountType=805306368)(servicePrincipalName=*))');
  assert.equal(a.length, 1);
  assert.equal(a[0]!.message, '10.77.2.20 (workstations) searched the directory on 10.77.1.5 (servers) for service accounts (Kerberoasting)');
  assert.equal(run('(samAccountType=805306368)').length, 0);
  assert.equal(run('(objectClass=*)', SITE_YAML, ['ms-mcs-admpwd']).length, 1);
  assert.equal(run('(adminCount=1)', `${SITE_YAML}detectors:\n  ldap.recon_query: { allowed_clients: [10.77.2.20] }\n`).length, 0);
  assert.equal(run('(adminCount=1)', `${SITE_YAML}detectors:\n  ldap.recon_query: { exclude: [10.77.1.5] }\n`).length, 0);
});
