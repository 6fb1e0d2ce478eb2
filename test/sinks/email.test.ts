/**
 * The e-mail sink against a real SMTP server (the smtp-server package) on
 * 127.0.0.1: subject, plain-text and HTML bodies with the evidence, a
 * recipient refused with 550 (rejected, not retried), and the outage
 * scenario.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tempDir } from '../helpers/paths.js';
import { createSinks } from '../../src/sinks/index.js';
import { freePort, makeAlert, smtpReceiver, waitFor, type Mail } from './helpers.js';
import { outageScenario, parseSinks, FAST_QUEUE } from './outage.js';

/** Headers unfolded (RFC 5322 2.2.3) into a map of lower-case names. */
function headers(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  const out = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !out.has(line.slice(0, i).toLowerCase())) out.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

/** The decoded body of the MIME part with this content type (quoted-printable or 7bit). */
function part(raw: string, type: string): string {
  const at = raw.indexOf(`Content-Type: ${type}`);
  assert.ok(at >= 0, `no ${type} part`);
  const start = raw.indexOf('\r\n\r\n', at) + 4;
  const end = raw.indexOf('\r\n--', start);
  const body = raw.slice(start, end < 0 ? undefined : end);
  const qp = /Content-Transfer-Encoding: quoted-printable/i.test(raw.slice(at, start));
  if (!qp) return body.replace(/\r\n/g, '\n');
  const bytes = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}

const mailNumber = (m: Mail): number => Number(headers(m.raw).get('x-picket-dedup-key')!.split('#')[1]);

const smtpSink = (port: number, extra: Record<string, unknown> = {}) => ({
  type: 'email',
  name: 'mail',
  host: '127.0.0.1',
  port,
  security: 'none',
  from: 'picket@example.org',
  to: ['soc@example.org'],
  ...extra,
});

test('one mail per alert: readable subject, plain text and HTML with the evidence', async () => {
  const port = await freePort();
  const rx = smtpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(parseSinks([smtpSink(port, { to: ['soc@example.org', 'oncall@example.org'] })]), { dataDir });
    sinks.deliver(makeAlert(1));
    await waitFor(() => rx.received.length >= 1, 'one mail');
    await sinks.flush();
    const m = rx.received[0]!;
    assert.equal(m.from, 'picket@example.org');
    assert.deepEqual(m.to, ['soc@example.org', 'oncall@example.org']);
    const h = headers(m.raw);
    assert.equal(h.get('subject'), '[Picket high] scan.port.vertical: 10.77.2.20 probed 1,000 ports on 10.77.1.5 in 12 s');
    assert.equal(h.get('x-picket-rule'), 'scan.port.vertical');
    const text = part(m.raw, 'text/plain');
    assert.match(text, /^10\.77\.2\.20 probed 1,000 ports on 10\.77\.1\.5 in 12 s\n/);
    assert.match(text, /Destination: 10\.77\.1\.5\n/);
    assert.match(text, /Evidence\n {2}n: 1\n {2}ports_count: 1000\n {2}sample_ports: 22, 80, 443\n/);
    const html = part(m.raw, 'text/html');
    assert.match(html, /<th[^>]*>ports_count<\/th><td>1000<\/td>/);
    assert.ok(html.includes('a &lt;b&gt; &amp; &quot;c&quot;'));
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a recipient refused with 550 rejects that alert for good; the next one still goes', async () => {
  const port = await freePort();
  const rx = smtpReceiver(port, { rejectRcpt: 'gone@example.org' });
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([
        smtpSink(port, { name: 'bad', to: ['gone@example.org'], queue: FAST_QUEUE }),
        smtpSink(port, { name: 'good', queue: FAST_QUEUE }),
      ]),
      { dataDir },
    );
    sinks.deliver(makeAlert(1));
    sinks.deliver(makeAlert(2));
    await waitFor(() => rx.received.length >= 2 && sinks.stats()[0]!.rejected >= 2, 'the good mails and the rejections');
    await sinks.flush();
    const [bad, good] = sinks.stats();
    assert.equal(bad!.rejected, 2);
    assert.equal(bad!.queued, 0);
    assert.match(bad!.lastError ?? '', /550/);
    assert.equal(good!.delivered, 2);
    assert.deepEqual(rx.received.map(mailNumber), [1, 2]);
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SMTP outage: nothing lost, nothing repeated, nothing resent after a restart', async () => {
  const port = await freePort();
  await outageScenario(smtpSink(port), smtpReceiver(port), mailNumber);
});
