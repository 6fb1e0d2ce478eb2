/**
 * smtp.executable_attachment on the lab's mail-files capture (a PE attached
 * as invoice.exe) and on synthetic SMTP sessions fed through the analyzer
 * and engine: a program under a document's name is critical; text, a
 * picture and a program over HTTP stay quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SITE_YAML, harness, only, replayRuleAlerts } from './harness.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { smtpSpec } from '../../src/protocols/mail/index.js';
import { collectingContext } from '../helpers/analyzer-context.js';
import { ascii, peFile } from '../helpers/bytes.js';

const RULE = 'smtp.executable_attachment';
const LAB = path.join(REPO_ROOT, 'test', 'lab', 'captures');

test('mail-files.pcap: the program mailed from the Internet host is one alert naming it, the envelope and the subject', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'mail-files.pcap'), [RULE]);
  assert.equal(a.length, 1);
  const x = a[0]!;
  assert.equal(x.event.severity, 3);
  assert.equal(x.threat.technique.id, 'T1566.001');
  assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port], ['198.51.100.10', '10.77.1.10', 25]);
  assert.deepEqual([x.evidence.file_name, x.evidence.mime_type, x.evidence.disguised, x.evidence.bytes], ['invoice.exe', 'application/x-dosexec', false, 108032]);
  assert.equal(x.evidence.sha256, '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7');
  assert.deepEqual(x.evidence.rcpt_to, ['jdoe@lab.example', 'ap@lab.example']);
  assert.equal(
    x.message,
    '198.51.100.10 mailed a program (application/x-dosexec, 108 KB) attached "invoice.exe" from billing@invoices.example to jdoe@lab.example, ap@lab.example through 10.77.1.10: "Invoice 4471 overdue"',
  );
});

/** The file events of one SMTP session carrying `parts` (name, content type, bytes) as base64 attachments. */
function mailed(parts: readonly [string | undefined, Uint8Array][]): ReturnType<typeof collectingContext>['events'] {
  const ctx = collectingContext({ uid: 'CMail', orig_h: '10.77.2.30', orig_p: 50000, resp_h: '10.77.1.10', resp_p: 25, proto: 'tcp' });
  const a = smtpSpec.create(ctx);
  const body = parts
    .map(([name, bytes]) => `--b\r\nContent-Type: application/octet-stream${name !== undefined ? `; name="${name}"` : ''}\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`)
    .join('');
  a.data(false, ascii('220 mail ESMTP\r\n'), 1);
  a.data(true, ascii('EHLO ws30\r\nMAIL FROM:<a@lab.example>\r\nRCPT TO:<b@lab.example>\r\nDATA\r\n'), 2);
  a.data(false, ascii('250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n'), 3);
  a.data(true, ascii(`Subject: docs\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n${body}--b--\r\n.\r\n`), 4);
  a.data(false, ascii('250 queued\r\n'), 5);
  a.end(6);
  return ctx.events;
}

test('a program under a document\'s name, or none, is critical; a text file and a program over HTTP are not judged', () => {
  const h = harness(SITE_YAML);
  for (const e of mailed([
    ['scan_0042.pdf', peFile(4000)],
    [undefined, peFile(5000)],
    ['setup.exe', peFile(6000)],
    ['notes.txt', ascii('plain words for a plain text file, nothing else')],
  ])) {
    h.emit(e);
  }
  const a = only(h.finish(), RULE);
  assert.deepEqual(
    a.map((x) => [x.evidence.file_name, x.evidence.disguised, x.event.severity]),
    [['scan_0042.pdf', true, 4], [null, true, 4], ['setup.exe', false, 3]],
  );
  assert.match(a[0]!.message, /attached "scan_0042\.pdf" from a@lab\.example to b@lab\.example through 10\.77\.1\.10 \(servers\), under a name that hides it: "docs"$/);
});

test('programs over HTTP and SMB are other rules\' business', async () => {
  assert.deepEqual(await replayRuleAlerts(path.join(LAB, 'exe-download.pcap'), [RULE]), []);
  assert.deepEqual(await replayRuleAlerts(path.join(LAB, 'admin-share.pcap'), [RULE]), []);
});

test('names hidden in RFC 2047 encoded words or RFC 2231 sections are read: a disguised program is still critical', () => {
  const b64 = Buffer.from('Rechnung 2026.pdf').toString('base64');
  const h = harness(SITE_YAML);
  for (const e of mailed([
    [`=?UTF-8?B?${b64}?=`, peFile(4000)],
    [`=?utf-8?Q?Lieferschein_=C3=BCber.docx?=`, peFile(4500)],
  ])) {
    h.emit(e);
  }
  const a = only(h.finish(), RULE);
  assert.deepEqual(a.map((x) => [x.evidence.file_name, x.evidence.disguised, x.event.severity]), [
    ['Rechnung 2026.pdf', true, 4],
    ['Lieferschein über.docx', true, 4],
  ]);
});

test('a program in a mail a client fetches over POP3 (scripted mailbox) or IMAP (Dovecot; whole, and in 16 KiB pieces) alerts for that client', async () => {
  const cases = [
    ['mail-fetch.pcap', ['10.77.2.20'], 110, 'POP3'],
    ['mail-imap.pcap', ['10.77.2.21', '10.77.2.22'], 143, 'IMAP'],
  ] as const;
  for (const [capture, clients, port, protocol] of cases) {
    const a = await replayRuleAlerts(path.join(LAB, capture), [RULE]);
    assert.deepEqual(a.map((x) => x.source.ip), clients, protocol);
    for (const x of a) {
      const client = x.source.ip;
      assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [3, client, '198.51.100.10', port]);
      assert.deepEqual([x.evidence.protocol, x.evidence.file_name, x.evidence.disguised, x.evidence.sha256], [protocol, 'invoice.exe', false, '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7']);
      assert.equal(x.message, `${client} fetched a mail with a program (application/x-dosexec, 108 KB) attached "invoice.exe" from 198.51.100.10 over ${protocol}: "Invoice 4471 overdue"`);
      assert.deepEqual([x.evidence.from, x.evidence.subject], ['billing@invoices.example', 'Invoice 4471 overdue']);
    }
  }
});

test('a program in a mail a client uploads to a mailbox with IMAP APPEND (curl to Sent, imaplib as a draft) alerts for that client; the refused upload adds nothing', async () => {
  const a = await replayRuleAlerts(path.join(LAB, 'mail-upload.pcap'), [RULE]);
  assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.23', '10.77.2.20']);
  for (const x of a) {
    const client = x.source.ip;
    assert.deepEqual([x.event.severity, x.destination?.ip, x.destination?.port], [3, '198.51.100.10', 143]);
    assert.deepEqual([x.evidence.protocol, x.evidence.file_name, x.evidence.from, x.evidence.mail_from], ['IMAP', 'invoice.exe', 'jdoe@lab.example', null]);
    assert.equal(x.message, `${client} uploaded a mail with a program (application/x-dosexec, 108 KB) attached "invoice.exe" to a mailbox on 198.51.100.10 over IMAP: "Invoice 4471 overdue"`);
  }
  // One merged alert per client: curl's refused APPEND sent no message, so its one upload is the only one seen.
  assert.deepEqual(a.map((x) => x.count), [1, 1]);
});
