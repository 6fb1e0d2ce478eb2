/**
 * The syslog sink against real collectors on 127.0.0.1: UDP datagrams, TCP
 * and TLS with octet-counted frames, ECS/EVE/text MSG formats, a certificate
 * that does not verify, and the outage scenario over UDP, TCP and TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { createSinks } from '../../src/sinks/index.js';
import { signatureId } from '../../src/sinks/eve.js';
import { TRUNCATED_TAG } from '../../src/sinks/syslog-format.js';
import { freePort, makeAlert, selfSignedCert, streamSyslogReceiver, syslogParts, udpSyslogReceiver, waitFor } from './helpers.js';
import { outageScenario, parseSinks, FAST_QUEUE } from './outage.js';

const ecsNumber = (line: string): number => (JSON.parse(syslogParts(line).msg) as { evidence: { n: number } }).evidence.n;

const certDir = tempDir('picket-cert-');
const cert = selfSignedCert(certDir);
process.on('exit', () => fs.rmSync(certDir, { recursive: true, force: true }));

test('TCP: octet-counted RFC 5424 messages, one per alert, in order; EVE format', async () => {
  const port = await freePort();
  const rx = streamSyslogReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([{ type: 'syslog', name: 'siem', transport: 'tcp', host: '127.0.0.1', port, format: 'eve', hostname: 'sensor-1' }]),
      { dataDir },
    );
    for (let i = 0; i < 250; i++) sinks.deliver(makeAlert(i));
    await waitFor(() => rx.received.length >= 250, '250 frames');
    await sinks.flush();
    assert.equal(rx.received.length, 250);
    const p = syslogParts(rx.received[7]!);
    assert.equal(p.pri, 16 * 8 + 3);
    assert.equal(p.host, 'sensor-1');
    assert.equal(p.msgid, 'scan.port.vertical');
    const eve = JSON.parse(p.msg) as { event_type: string; alert: { signature_id: number; metadata: Record<string, string[]> }; src_ip: string };
    assert.equal(eve.event_type, 'alert');
    assert.equal(eve.src_ip, '10.77.2.20');
    assert.equal(eve.alert.signature_id, signatureId('scan.port.vertical'));
    // Order: the dedup keys end in #n.
    const ns = rx.received.map((l) => Number((JSON.parse(syslogParts(l).msg) as { alert: { metadata: { dedup_key: string[] } } }).alert.metadata.dedup_key[0]!.split('#')[1]));
    assert.deepEqual(ns, Array.from({ length: 250 }, (_, i) => i));
    assert.equal(sinks.stats()[0]!.delivered, 250);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('UDP: one datagram per alert, text format; filters apply', async () => {
  const port = await freePort();
  const rx = udpSyslogReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([{ type: 'syslog', name: 'udp', host: '127.0.0.1', port, format: 'text', min_severity: 'high', rules: ['scan.*'] }]),
      { dataDir },
    );
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2, { severity: 2 }));
    sinks.deliver(makeAlert(3, { rule: 'dns.excessive_queries' }));
    sinks.deliver(makeAlert(4, { severity: 4, rule: 'scan.arp' }));
    await waitFor(() => rx.received.length >= 2, 'two datagrams');
    await sinks.flush();
    assert.deepEqual(rx.received.map((l) => syslogParts(l).msg), [
      '[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s',
      '[Picket critical] scan.arp: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s',
    ]);
    const s = sinks.stats()[0]!;
    assert.equal(s.filtered, 2);
    assert.equal(s.accepted, 2);
    assert.equal(s.delivered, 2);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('TLS (RFC 5425): delivered with the CA file; refused certificate keeps alerts queued', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const port = await freePort();
  const rx = streamSyslogReceiver(port, { key: cert!.key, cert: cert!.cert });
  await rx.start();
  const okDir = tempDir();
  const badDir = tempDir();
  try {
    const good = createSinks(
      parseSinks([{ type: 'syslog', name: 'tls', transport: 'tls', host: '127.0.0.1', port, ca: cert!.certFile }]),
      { dataDir: okDir },
    );
    for (let i = 0; i < 3; i++) good.deliver(makeAlert(i));
    await waitFor(() => rx.received.length >= 3, 'three TLS frames');
    await good.flush();
    assert.deepEqual(rx.received.map(ecsNumber), [0, 1, 2]);
    await good.close();

    // Without the CA the self-signed certificate must not be trusted.
    const bad = createSinks(
      parseSinks([{ type: 'syslog', name: 'tls', transport: 'tls', host: '127.0.0.1', port, queue: FAST_QUEUE }]),
      { dataDir: badDir },
    );
    bad.deliver(makeAlert(9));
    await waitFor(() => bad.stats()[0]!.failures >= 1, 'a refused handshake');
    await bad.flush();
    const s = bad.stats()[0]!;
    assert.equal(s.queued, 1);
    assert.match(s.lastError ?? '', /self.signed|certificate/i);
    assert.equal(rx.received.length, 3);
    await bad.close();
  } finally {
    await rx.stop();
    fs.rmSync(okDir, { recursive: true, force: true });
    fs.rmSync(badDir, { recursive: true, force: true });
  }
});

test('TCP outage: nothing lost, nothing repeated, nothing resent after a restart', async () => {
  const port = await freePort();
  await outageScenario({ type: 'syslog', name: 'tcp', transport: 'tcp', host: '127.0.0.1', port }, streamSyslogReceiver(port), ecsNumber);
});

test('TLS outage: nothing lost, nothing repeated, nothing resent after a restart', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const port = await freePort();
  await outageScenario(
    { type: 'syslog', name: 'tls', transport: 'tls', host: '127.0.0.1', port, ca: cert!.certFile },
    streamSyslogReceiver(port, { key: cert!.key, cert: cert!.cert }),
    ecsNumber,
  );
});

test('UDP outage: the ICMP port unreachable of a stopped collector is noticed and the alert resent', async () => {
  const port = await freePort();
  await outageScenario({ type: 'syslog', name: 'udp', transport: 'udp', host: '127.0.0.1', port }, udpSyslogReceiver(port), ecsNumber);
});

test('UDP: an alert too big for one datagram arrives shortened (valid JSON, marked, counted), not refused', async () => {
  const port = await freePort();
  const rx = udpSyslogReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(parseSinks([{ type: 'syslog', name: 'udp', host: '127.0.0.1', port, queue: FAST_QUEUE }]), { dataDir });
    const big = makeAlert(1);
    big.evidence['hosts'] = Array.from({ length: 8000 }, (_, i) => `host-${i}.example.org`);
    sinks.deliver(big);
    sinks.deliver(makeAlert(2));
    await waitFor(() => rx.received.length >= 2, 'two datagrams');
    await sinks.flush();
    assert.ok(Buffer.byteLength(rx.received[0]!) <= 65_507);
    const first = JSON.parse(syslogParts(rx.received[0]!).msg) as { evidence: object; tags: string[]; rule: { id: string }; message: string };
    assert.deepEqual(first.evidence, {});
    assert.deepEqual(first.tags, [TRUNCATED_TAG]);
    assert.equal(first.message, big.message);
    assert.equal(ecsNumber(rx.received[1]!), 2);
    const s = sinks.stats()[0]!;
    assert.equal(s.delivered, 2);
    assert.equal(s.truncated, 1);
    assert.equal(s.rejected, 0);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('TCP with non-transparent framing: one LF-terminated message per alert for line-reading collectors', async () => {
  const port = await freePort();
  const rx = streamSyslogReceiver(port, undefined, 'lf');
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([
        { type: 'syslog', name: 'ecs', transport: 'tcp', framing: 'non-transparent', host: '127.0.0.1', port },
        { type: 'syslog', name: 'text', transport: 'tcp', framing: 'non-transparent', host: '127.0.0.1', port, format: 'text' },
      ]),
      { dataDir },
    );
    for (let i = 0; i < 20; i++) {
      // Attacker-chosen line breaks in the sentence must not split a message.
      sinks.deliver({ ...makeAlert(i), message: `q${i}.evil\nINJECTED <13>1 fake\r\nline` });
    }
    await waitFor(() => rx.received.length >= 40, '40 lines');
    await sinks.flush();
    assert.equal(rx.received.length, 40);
    const ecs = rx.received.filter((l) => syslogParts(l).msg.startsWith('{'));
    assert.deepEqual(ecs.map(ecsNumber), Array.from({ length: 20 }, (_, i) => i));
    const text = rx.received.filter((l) => syslogParts(l).msg.startsWith('[Picket'));
    assert.equal(text.length, 20);
    assert.match(syslogParts(text[0]!).msg, /^\[Picket high\] scan\.port\.vertical: q0\.evil INJECTED <13>1 fake line$/);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('TCP max_message_bytes (a collector with an 8 KB limit): the big alert is shortened, the frames stay in step', async () => {
  const port = await freePort();
  const rx = streamSyslogReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([{ type: 'syslog', name: 'tcp', transport: 'tcp', host: '127.0.0.1', port, max_message_bytes: 8096, format: 'ecs' }]),
      { dataDir },
    );
    const big = makeAlert(1);
    big.evidence['blob'] = 'x'.repeat(20_000);
    sinks.deliver(makeAlert(0));
    sinks.deliver(big);
    sinks.deliver(makeAlert(2));
    await waitFor(() => rx.received.length >= 3, 'three frames');
    await sinks.flush();
    assert.ok(rx.received.every((l) => Buffer.byteLength(l) <= 8096));
    assert.deepEqual(rx.received.map((l) => (JSON.parse(syslogParts(l).msg) as { tags?: string[] }).tags ?? []), [[], [TRUNCATED_TAG], []]);
    assert.equal(sinks.stats()[0]!.truncated, 1);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('config: max_message_bytes over UDP is capped at one datagram; framing names are checked', () => {
  assert.throws(() => parseSinks([{ type: 'syslog', name: 's', host: 'h', max_message_bytes: 70_000 }]), /at most 65507 over UDP/);
  assert.doesNotThrow(() => parseSinks([{ type: 'syslog', name: 's', host: 'h', transport: 'tcp', max_message_bytes: 70_000 }]));
  assert.throws(() => parseSinks([{ type: 'syslog', name: 's', host: 'h', transport: 'tcp', framing: 'lf' }]));
  assert.throws(() => parseSinks([{ type: 'syslog', name: 's', host: 'h', max_message_bytes: 100 }]));
});

test('TLS with a collector that authenticates senders: the client certificate is sent; without it the alert waits', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const port = await freePort();
  // The self-signed certificate is the collector's, the sender's, and the CA both trust.
  const rx = streamSyslogReceiver(port, { key: cert!.key, cert: cert!.cert, ca: cert!.cert, requestCert: true, rejectUnauthorized: true });
  await rx.start();
  const okDir = tempDir();
  const noDir = tempDir();
  try {
    const keyFile = `${certDir}/key.pem`;
    const good = createSinks(
      parseSinks([{ type: 'syslog', name: 'mtls', transport: 'tls', host: '127.0.0.1', port, ca: cert!.certFile, cert: cert!.certFile, key: keyFile }]),
      { dataDir: okDir },
    );
    good.deliver(makeAlert(1));
    await waitFor(() => rx.received.length >= 1, 'the frame over mutual TLS');
    await good.flush();
    await good.close();

    const anonymous = createSinks(
      parseSinks([{ type: 'syslog', name: 'mtls', transport: 'tls', host: '127.0.0.1', port, ca: cert!.certFile, queue: FAST_QUEUE }]),
      { dataDir: noDir },
    );
    anonymous.deliver(makeAlert(2));
    await waitFor(() => anonymous.stats()[0]!.failures >= 1, 'a refused handshake');
    await anonymous.flush();
    assert.equal(anonymous.stats()[0]!.queued, 1);
    await anonymous.close();
    assert.deepEqual(rx.received.map(ecsNumber), [1]);
    assert.throws(() => parseSinks([{ type: 'syslog', name: 's', host: 'h', transport: 'tls', cert: 'c.pem' }]), /cert and key go together/);
  } finally {
    await rx.stop();
    fs.rmSync(okDir, { recursive: true, force: true });
    fs.rmSync(noDir, { recursive: true, force: true });
  }
});
