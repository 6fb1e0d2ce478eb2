/**
 * dcerpc.zerologon on rpc-zerologon.pcap (test/fixtures/dcerpc, made by
 * record-rpc-zerologon.sh: the Zerologon proof of concept's calls against
 * a scripted vulnerable DC, and a member server's setup, encoded by
 * Impacket) replayed through the parser and the engine, and on built
 * dce_rpc.call events: the threshold, an accepted try alone, a password
 * reset alone, real credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts, rpcCall } from './harness.js';
import type { DceRpcCallEvent } from '../../src/protocols/dcerpc/events.js';
import { REPO_ROOT } from '../helpers/paths.js';

const RULE = 'dcerpc.zerologon';
const ZERO = '0000000000000000';

/** A NetrServerAuthenticate3 as "DC01$" from 10.77.2.20 to DC 10.77.1.5. */
function authenticate(ts: number, credential: string, ok = false, c: Partial<DceRpcCallEvent> = {}): DceRpcCallEvent {
  return rpcCall(ts, {
    server: '10.77.1.5',
    server_port: 49670,
    transport: 'tcp',
    named_pipe: '49670',
    interface_uuid: '12345678-1234-abcd-ef00-01234567cffb',
    endpoint: 'netlogon',
    opnum: 26,
    operation: 'NetrServerAuthenticate3',
    details: { user: 'DC01$', computer_name: 'DC01', client_credential: credential },
    result: ok ? { code: 0, name: 'STATUS_SUCCESS', ok: true } : { code: 0xc0000022, name: 'STATUS_ACCESS_DENIED', ok: false },
    ...c,
  });
}

test('rpc-zerologon.pcap: the tries, the accepted one and the password reset make one critical alert; the member server is quiet', async () => {
  const alerts = await replayRuleAlerts(path.join(REPO_ROOT, 'test', 'fixtures', 'dcerpc', 'rpc-zerologon.pcap'), [RULE]);
  assert.equal(alerts.length, 1);
  const a = alerts[0]!;
  assert.equal(a.event.severity, 4);
  assert.equal(a.source?.ip, '127.0.0.2');
  assert.equal(a.threat.technique.id, 'T1210');
  assert.equal(
    a.message,
    '127.0.0.2 tried 12 Netlogon authentications with an all-zero credential as "DC01$"; the server accepted one (it is vulnerable); ' +
      'then reset the password of "DC01$" to empty (NetrServerPasswordSet2 with an all-zero password) on 127.0.0.1 over TCP port 49674: Zerologon (CVE-2020-1472)',
  );
  assert.deepEqual([a.evidence.zero_credential_attempts, a.evidence.accepted, a.evidence.password_reset, a.evidence.accounts], [12, true, true, ['DC01$']]);
});

test('9 refused tries in the window are quiet, 10 alert; tries spread beyond the window and real credentials do not count', () => {
  const run = (n: number, step = 1, credential = ZERO) => {
    const h = harness(SITE_YAML);
    for (let i = 0; i < n; i++) h.emit(authenticate(1000 + i * step, credential));
    return only(h.finish(), RULE);
  };
  assert.equal(run(9).length, 0);
  const a = run(10);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /^10\.77\.2\.20 \(workstations\) tried 10 Netlogon authentications with an all-zero credential as "DC01\$" on 10\.77\.1\.5 \(servers\) over TCP port 49670: Zerologon/);
  assert.equal(run(12, 60).length, 0);
  assert.equal(run(30, 1, '8e2107c45d93aa60').length, 0);
});

test('one accepted zero-credential try alerts alone; so does a zeroed password reset, or nothing when it was refused', () => {
  const accepted = harness(SITE_YAML);
  accepted.emit(authenticate(1000, ZERO, true));
  const a = only(accepted.finish(), RULE);
  assert.equal(a.length, 1);
  assert.match(a[0]!.message, /tried 1 Netlogon authentication with an all-zero credential as "DC01\$"; the server accepted one \(it is vulnerable\) on /);

  const reset = (ok: boolean) => {
    const h = harness(SITE_YAML);
    h.emit(
      authenticate(1000, ZERO, ok, {
        opnum: 30,
        operation: 'NetrServerPasswordSet2',
        details: { user: 'DC01$', computer_name: 'DC01', client_credential: ZERO, new_password: 'all_zero' },
      }),
    );
    return only(h.finish(), RULE);
  };
  const r = reset(true);
  assert.equal(r.length, 1);
  assert.match(r[0]!.message, /^10\.77\.2\.20 \(workstations\) reset the password of "DC01\$" to empty \(NetrServerPasswordSet2 with an all-zero password\)/);
  assert.equal(reset(false).length, 0);
});
