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
import path from 'node:path';
import { freePort, makeAlert, selfSignedCert, smtpReceiver, waitFor, type Mail } from './helpers.js';
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

const certDir = tempDir('picket-cert-');
const cert = selfSignedCert(certDir);
process.on('exit', () => fs.rmSync(certDir, { recursive: true, force: true }));

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

/** An RFC 2047 encoded header value decoded (UTF-8, Q or B encoding). */
function decodeWords(v: string): string {
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  // Whitespace between adjacent encoded words is not part of the text (RFC 2047 6.2).
  const parts = v.split(/(=\?UTF-8\?[QB]\?[^?]*\?=)/i).filter((p, i, all) => !(p.trim() === '' && i > 0 && i < all.length - 1));
  for (const p of parts) {
    const m = /^=\?UTF-8\?([QB])\?([^?]*)\?=$/i.exec(p);
    if (m === null) {
      flush();
      out += p;
    } else if (m[1]!.toUpperCase() === 'B') {
      bytes.push(...Buffer.from(m[2]!, 'base64'));
    } else {
      const q = m[2]!.replace(/_/g, ' ');
      for (let i = 0; i < q.length; i++) {
        if (q[i] === '=') {
          bytes.push(parseInt(q.slice(i + 1, i + 3), 16));
          i += 2;
        } else bytes.push(q.charCodeAt(i));
      }
    }
  }
  flush();
  return out;
}

test('attacker-chosen line breaks cannot add headers or recipients; non-ASCII subjects are encoded and read back whole', async () => {
  const port = await freePort();
  const rx = smtpReceiver(port);
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(parseSinks([smtpSink(port)]), { dataDir });
    const a = makeAlert(1, { rule: 'dns.tunnel\r\nBcc: rule@evil.example' });
    a.message = 'Abfrage für „bücher.example“ ☃\r\nBcc: msg@evil.example\r\n\r\nforged body\u001b[2J';
    a.dedup_key = 'k#1\r\nX-Injected: yes';
    sinks.deliver(a);
    await waitFor(() => rx.received.length >= 1, 'one mail');
    await sinks.flush();
    const m = rx.received[0]!;
    assert.deepEqual(m.to, ['soc@example.org'], 'only the configured recipient');
    const head = m.raw.slice(0, m.raw.indexOf('\r\n\r\n'));
    assert.ok(!/^(bcc|x-injected):/im.test(head), `no injected header in\n${head}`);
    const h = headers(m.raw);
    assert.equal(
      decodeWords(h.get('subject')!),
      '[Picket high] dns.tunnel Bcc: rule@evil.example: Abfrage für „bücher.example“ ☃ Bcc: msg@evil.example forged body\\x1b[2J',
    );
    assert.ok(!/[^\x20-\x7e]/.test(h.get('subject')!), 'the subject header itself is 7-bit');
    assert.equal(part(m.raw, 'text/plain').split('\n')[0], 'Abfrage für „bücher.example“ ☃ Bcc: msg@evil.example forged body\\x1b[2J');
    await sinks.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('STARTTLS: required by default (a server without it gets no mail), verified against `ca`', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const plainPort = await freePort();
  const tlsPort = await freePort();
  const plain = smtpReceiver(plainPort);
  const secure = smtpReceiver(tlsPort, { tls: { key: cert!.key, cert: cert!.cert } });
  await plain.start();
  await secure.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(
      parseSinks([
        smtpSink(plainPort, { name: 'plain', security: 'starttls', queue: FAST_QUEUE }),
        smtpSink(tlsPort, { name: 'tls', security: 'starttls', ca: cert!.certFile }),
        smtpSink(tlsPort, { name: 'untrusted', security: 'starttls', queue: FAST_QUEUE }),
      ]),
      { dataDir },
    );
    sinks.deliver(makeAlert(1));
    await waitFor(() => secure.received.length >= 1, 'the mail over STARTTLS');
    await waitFor(() => sinks.stats()[0]!.failures >= 1 && sinks.stats()[2]!.failures >= 1, 'the refusals');
    await sinks.flush();
    assert.equal(secure.received.length, 1);
    assert.equal(secure.received[0]!.secure, true);
    assert.equal(plain.received.length, 0, 'never sent in clear text');
    const [p, , u] = sinks.stats();
    assert.equal(p!.queued, 1, 'held until the server offers STARTTLS');
    assert.equal(u!.queued, 1, 'held until the certificate verifies');
    assert.match(u!.lastError ?? '', /self.signed|certificate/i);
    await sinks.close();
  } finally {
    await plain.stop();
    await secure.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('implicit TLS (`security: tls`): delivered over TLS; without a port it goes to 465, not 587', { skip: cert === null ? 'openssl not found' : false }, async () => {
  const port = await freePort();
  const rx = smtpReceiver(port, { tls: { key: cert!.key, cert: cert!.cert }, implicitTls: true });
  await rx.start();
  const dataDir = tempDir();
  try {
    const sinks = createSinks(parseSinks([smtpSink(port, { security: 'tls', ca: cert!.certFile })]), { dataDir });
    sinks.deliver(makeAlert(1));
    await waitFor(() => rx.received.length >= 1, 'the mail over TLS');
    await sinks.flush();
    assert.equal(rx.received[0]!.secure, true);
    await sinks.close();
    const cfg = parseSinks([{ ...smtpSink(port, { security: 'tls', queue: FAST_QUEUE, timeout: '2s' }), port: undefined }]);
    const dflt = createSinks(cfg, { dataDir: path.join(dataDir, 'd') });
    dflt.deliver(makeAlert(2));
    await waitFor(() => dflt.stats()[0]!.failures >= 1, 'an attempt on the default port');
    assert.match(dflt.stats()[0]!.lastError ?? '', /127\.0\.0\.1:465\b/);
    await dflt.close();
  } finally {
    await rx.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
