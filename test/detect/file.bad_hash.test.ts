/**
 * file.bad_hash on the lab's program downloads (exe-download.pcap: a PE
 * fetched three times under three names, an ELF, a gzip archive) and Zeek's
 * Agent Tesla upload (a multipart form whose parts are files of their own).
 * The files are listed by SHA-256, SHA-1 or MD5 in plain lists, in a
 * MalwareBazaar-style CSV export and in MISP events, the captures replayed
 * through the pipeline and engine with that intel; unlisted files,
 * enrichment-only MISP attributes and excluded hosts stay quiet, and no
 * other capture raises the rule without a list naming its files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ZEEK_CORPUS } from '../helpers/paths.js';
import { replayEvents } from '../helpers/replay.js';
import { only } from './harness.js';
import { LAB_CAPTURES, replayWithIntel, siteIntel } from '../intel/store/lab-intel.js';
import type { FilesRecord } from '../../src/events/file.js';

const RULE = 'file.bad_hash';
const DOWNLOADS = path.join(LAB_CAPTURES, 'exe-download.pcap');
const TESLA = path.join(ZEEK_CORPUS, 'http-agent-tesla', 'ctu-62604-80.pcap');
const BENIGN = path.join(LAB_CAPTURES, 'benign.pcap');
const ADMIN_SHARE = path.join(LAB_CAPTURES, 'admin-share.pcap');
const FTP_FILES = path.join(LAB_CAPTURES, 'ftp-files.pcap');
const MAIL_FILES = path.join(LAB_CAPTURES, 'mail-files.pcap');
const MAIL_FETCH = path.join(LAB_CAPTURES, 'mail-fetch.pcap');
const MAIL_IMAP = path.join(LAB_CAPTURES, 'mail-imap.pcap');
const MAIL_UPLOAD = path.join(LAB_CAPTURES, 'mail-upload.pcap');

/** The PE and ELF the lab's server handed out, as sha256sum/sha1sum/md5sum give them for tshark's exported copies. */
const PE = {
  sha256: '81a618f21cb87db9076134e70388b6e9cb7c2106739011b6a51772d22cae06b7',
  sha1: '0d0c5e3b06f56ad12a77da46ab3fdab81acda628',
  md5: '19d621a4b2d26d8fa8002548a1b04a32',
};
const ELF_SHA256 = 'c79bf44242829108e323378531f4ac839513ca1fba45efd6583643526e1e9fd2';
const OTHER_SHA256 = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

async function files(file: string): Promise<FilesRecord[]> {
  return (await replayEvents([file])).flatMap((e) => (e.type === 'file' ? [e.record] : []));
}

test('the capture\'s files carry the digests the lab served', async () => {
  const f = await files(DOWNLOADS);
  assert.equal(f.filter((x) => x.sha256 === PE.sha256 && x.sha1 === PE.sha1 && x.md5 === PE.md5).length, 3);
  assert.equal(f.filter((x) => x.sha256 === ELF_SHA256).length, 1);
});

test('a downloaded file listed by SHA-256 alerts once per host and file, critical, naming the file, the server and the list', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256, name: lab-samples }]\n', {
    'samples.txt': `# lab samples\n${PE.sha256.toUpperCase()}  # Lab dropper\n${OTHER_SHA256}\n`,
  });
  try {
    const a = only(await replayWithIntel([DOWNLOADS], site), RULE);
    const peFiles = (await files(DOWNLOADS)).filter((x) => x.sha256 === PE.sha256);
    // One alert per downloading host (the same host fetching it twice under two names is one alert).
    const hosts = [...new Set(peFiles.map((x) => x['id.orig_h']))].sort();
    assert.deepEqual(a.map((x) => x.source.ip).sort(), hosts);
    const x = a.find((y) => y.source.ip === peFiles[0]!['id.orig_h'])!;
    assert.equal(x.event.severity, 4);
    assert.equal(x.threat.technique.id, 'T1105');
    assert.deepEqual(x.event.category, ['network', 'file', 'malware']);
    assert.equal(x.destination?.ip, '198.51.100.10');
    assert.equal(x.destination?.port, 80);
    assert.match(x.message, /^10\.77\.\d+\.\d+ downloaded a file \(application\/x-dosexec, 108 KB\) from 198\.51\.100\.10 \/\S+ whose SHA-256 is listed in lab-samples as "Lab dropper"$/);
    assert.equal(x.evidence.direction, 'download');
    assert.equal(x.evidence.sha256, PE.sha256);
    assert.equal(x.evidence.sha1, PE.sha1);
    assert.equal(x.evidence.md5, PE.md5);
    assert.equal(x.evidence.matched, 'sha256');
    assert.equal(x.evidence.mime_type, 'application/x-dosexec');
    assert.equal(x.evidence.bytes, 108032);
    assert.equal(x.evidence.listing_reason, 'Lab dropper');
    assert.deepEqual(x.evidence.matches, [{ source: 'lab-samples', kind: 'file_sha256', indicator: PE.sha256, comment: 'Lab dropper' }]);
    assert.equal(x.dedup_key, `${x.source.ip}\u0002${PE.sha256}`);
    // Only listed files: the ELF and the archive stay quiet.
    assert.ok(a.every((y) => y.evidence.sha256 === PE.sha256));
  } finally {
    site.cleanup();
  }
});

test('listed by MD5 or SHA-1 (a MalwareBazaar CSV export) it alerts the same, naming the digest that matched', async () => {
  const csv = [
    '################################################################',
    '# MalwareBazaar full malware samples dump (CSV)                #',
    '################################################################',
    '# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature"',
    `"2026-11-02 10:11:12","${OTHER_SHA256}","${PE.md5}","0000000000000000000000000000000000000000","lab","agent.exe","exe","application/x-dosexec","LabLoader"`,
    '',
  ].join('\n');
  const md5 = await siteIntel('intel:\n  lists: [{ path: bazaar.csv, kind: file_md5 }]\n', { 'bazaar.csv': csv });
  try {
    const a = only(await replayWithIntel([DOWNLOADS], md5), RULE);
    assert.ok(a.length > 0);
    for (const x of a) {
      assert.equal(x.evidence.matched, 'md5');
      assert.match(x.message, /whose MD5 is listed in bazaar\.csv/);
    }
  } finally {
    md5.cleanup();
  }
  const sha1 = await siteIntel('intel:\n  lists: [{ path: sha1.txt, kind: file_sha1 }]\n', { 'sha1.txt': `${PE.sha1}\n` });
  try {
    const a = only(await replayWithIntel([DOWNLOADS], sha1), RULE);
    assert.ok(a.length > 0);
    assert.ok(a.every((x) => x.evidence.matched === 'sha1'));
  } finally {
    sha1.cleanup();
  }
});

test('MISP sha256 and malware-sample attributes alert naming the event when to_ids, and only enrich otherwise', async () => {
  const event = (toIds: boolean): string =>
    JSON.stringify({
      Event: {
        uuid: '55555555-6666-4777-8888-999999999999',
        info: 'Lab loader campaign',
        Tag: [{ name: 'tlp:green' }],
        Attribute: [{ uuid: 'a-sha256', type: 'sha256', value: PE.sha256, to_ids: toIds }],
        Object: [{ name: 'file', Attribute: [{ uuid: 'a-sample', type: 'malware-sample', value: `x86|${'7a52c94ace40d9c052cf40f3541637c3'}`, to_ids: toIds }] }],
      },
    });
  const alerts = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(true) });
  try {
    const a = only(await replayWithIntel([DOWNLOADS], alerts), RULE);
    const pe = a.filter((x) => x.evidence.sha256 === PE.sha256);
    const elf = a.filter((x) => x.evidence.sha256 === ELF_SHA256);
    assert.ok(pe.length > 0);
    assert.equal(elf.length, 1, 'the ELF, listed as a malware-sample (file name and MD5)');
    assert.equal(elf[0]!.evidence.matched, 'md5');
    assert.equal(elf[0]!.evidence.mime_type, 'application/x-executable');
    const m = (pe[0]!.evidence.matches as Array<{ event_info?: string; tags?: string[] }>)[0]!;
    assert.equal(m.event_info, 'Lab loader campaign');
  } finally {
    alerts.cleanup();
  }
  const quiet = await siteIntel('intel:\n  misp: { feeds: [event.json] }\n', { 'event.json': event(false) });
  try {
    assert.deepEqual(only(await replayWithIntel([DOWNLOADS], quiet), RULE), []);
  } finally {
    quiet.cleanup();
  }
});

test('an uploaded file part is judged too: high, as an upload', async () => {
  const part = (await files(TESLA)).find((x) => x.is_orig && x.filename === 'file')!;
  const site = await siteIntel('intel:\n  lists: [{ path: parts.txt, kind: file_sha256 }]\n', { 'parts.txt': `${part.sha256!}\n` });
  try {
    const a = only(await replayWithIntel([TESLA], site), RULE);
    assert.equal(a.length, 1);
    assert.equal(a[0]!.event.severity, 3);
    assert.equal(a[0]!.evidence.direction, 'upload');
    assert.equal(a[0]!.evidence.file_name, 'file');
    assert.equal(a[0]!.evidence.host, '45.9.74.78');
    assert.equal(a[0]!.evidence.method, 'POST');
    assert.match(a[0]!.message, /^192\.168\.1\.108 uploaded a file "file" \(22 bytes\) to 45\.9\.74\.78 \/c2sock whose SHA-256 is listed in parts\.txt$/);
  } finally {
    site.cleanup();
  }
});

test('a listed program copied to an admin share over SMB alerts as an upload, naming the file', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256 }]\n', { 'samples.txt': `${PE.sha256}\n` });
  try {
    const a = only(await replayWithIntel([ADMIN_SHARE], site), RULE);
    // Copied twice by one host (PSEXESVC.exe and C$\\wupd.dat): one alert, keyed by the file.
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.equal(x.event.severity, 3);
    assert.equal(x.destination?.port, 445);
    assert.equal(x.evidence.source_protocol, 'SMB');
    assert.equal(x.evidence.direction, 'upload');
    assert.equal(x.evidence.host, null);
    assert.match(x.message, /^10\.77\.2\.20 uploaded a file "(PSEXESVC\.exe|wupd\.dat)" \(application\/x-dosexec, 108 KB\) to 10\.77\.2\.21 whose SHA-256 is listed in samples\.txt$/);
  } finally {
    site.cleanup();
  }
});

test('a listed program over FTP alerts for the FTP client in every mode: downloads critical, the upload high', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256 }]\n', { 'samples.txt': `${PE.sha256}\n` });
  try {
    const a = only(await replayWithIntel([FTP_FILES], site), RULE);
    // 10.77.2.22 fetched it in active mode, where the server opens the data channel: still the client, still a download.
    assert.deepEqual(
      a.map((x) => [x.source.ip, x.destination?.ip, x.destination?.port, x.event.severity, x.evidence.direction, x.evidence.ftp_command, x.evidence.file_name]).sort(),
      [
        ['10.77.2.20', '198.51.100.10', 21, 4, 'download', 'RETR', 'update.exe'],
        ['10.77.2.21', '198.51.100.10', 21, 4, 'download', 'RETR', 'update.exe'],
        ['10.77.2.22', '198.51.100.10', 21, 4, 'download', 'RETR', 'update.exe'],
        ['10.77.2.23', '198.51.100.10', 21, 3, 'upload', 'STOR', 'tool.exe'],
      ],
    );
    for (const x of a) {
      assert.equal(x.evidence.source_protocol, 'FTP_DATA');
      assert.equal(x.evidence.ftp_user, 'anonymous');
      assert.match(String(x.evidence.control_uid), /^C/);
      assert.equal(x.source.port, undefined);
    }
    const up = a.find((x) => x.evidence.direction === 'upload')!;
    assert.match(up.message, /^10\.77\.2\.23 uploaded a file "tool\.exe" \(application\/x-dosexec, 108 KB\) to 198\.51\.100\.10 whose SHA-256 is listed in samples\.txt$/);
  } finally {
    site.cleanup();
  }
});

test('a listed program mailed as an attachment alerts critical, naming the envelope\'s sender and recipients', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256 }]\n', { 'samples.txt': `${PE.sha256}\n` });
  try {
    const a = only(await replayWithIntel([MAIL_FILES], site), RULE);
    assert.equal(a.length, 1);
    const x = a[0]!;
    assert.equal(x.event.severity, 4);
    assert.deepEqual([x.source.ip, x.destination?.ip, x.destination?.port], ['198.51.100.10', '10.77.1.10', 25]);
    assert.equal(x.evidence.direction, 'mail');
    assert.equal(x.evidence.source_protocol, 'SMTP');
    assert.equal(x.evidence.file_name, 'invoice.exe');
    assert.equal(x.evidence.mail_from, 'billing@invoices.example');
    assert.deepEqual(x.evidence.rcpt_to, ['jdoe@lab.example', 'ap@lab.example']);
    assert.equal(x.evidence.subject, 'Invoice 4471 overdue');
    assert.match(
      x.message,
      /^198\.51\.100\.10 mailed a file "invoice\.exe" \(application\/x-dosexec, 108 KB\) from billing@invoices\.example to jdoe@lab\.example, ap@lab\.example through 10\.77\.1\.10 whose SHA-256 is listed in samples\.txt$/,
    );
  } finally {
    site.cleanup();
  }
});

test('a listed program fetched in a mail over POP3 (scripted mailbox) or IMAP (Dovecot) alerts critical for the mail client, as a download', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256 }]\n', { 'samples.txt': `${PE.sha256}\n` });
  try {
    // IMAP: 10.77.2.22 fetched the mail in 16 KiB pieces, read across them.
    const cases = [
      [MAIL_FETCH, ['10.77.2.20'], 110, 'POP3'],
      [MAIL_IMAP, ['10.77.2.21', '10.77.2.22'], 143, 'IMAP'],
    ] as const;
    for (const [capture, clients, port, protocol] of cases) {
      const a = only(await replayWithIntel([capture], site), RULE);
      assert.deepEqual(a.map((x) => x.source.ip), clients, protocol);
      for (const x of a) {
        const client = x.source.ip;
        assert.deepEqual([x.event.severity, x.source.ip, x.destination?.ip, x.destination?.port], [4, client, '198.51.100.10', port]);
        assert.deepEqual([x.evidence.direction, x.evidence.source_protocol, x.evidence.file_name], ['download', protocol, 'invoice.exe']);
        assert.equal(x.message, `${client} downloaded a file "invoice.exe" (application/x-dosexec, 108 KB) from 198.51.100.10 whose SHA-256 is listed in samples.txt`);
      }
    }
  } finally {
    site.cleanup();
  }
});

test('a listed program a mail client uploads to a mailbox with IMAP APPEND alerts high for that client, as an upload', async () => {
  const site = await siteIntel('intel:\n  lists: [{ path: samples.txt, kind: file_sha256 }]\n', { 'samples.txt': `${PE.sha256}\n` });
  try {
    const a = only(await replayWithIntel([MAIL_UPLOAD], site), RULE);
    assert.deepEqual(a.map((x) => x.source.ip), ['10.77.2.23', '10.77.2.20']);
    for (const x of a) {
      assert.deepEqual([x.event.severity, x.destination?.ip, x.destination?.port], [3, '198.51.100.10', 143]);
      assert.deepEqual([x.evidence.direction, x.evidence.source_protocol, x.evidence.file_name, x.evidence.subject], ['upload', 'IMAP', 'invoice.exe', 'Invoice 4471 overdue']);
      assert.equal(x.message, `${x.source.ip} uploaded a file "invoice.exe" (application/x-dosexec, 108 KB) to 198.51.100.10 whose SHA-256 is listed in samples.txt`);
    }
  } finally {
    site.cleanup();
  }
});

test('unlisted files, other indicator kinds and excluded hosts raise nothing', async () => {
  const f = await files(DOWNLOADS);
  const files_ = {
    'other.txt': `${OTHER_SHA256}\n`,
    // The PE's SHA-256 listed as a certificate: tls.bad_certificate's business, not this rule's.
    'certs.txt': `${PE.sha256}\n`,
    'listed.txt': `${PE.sha256}\n`,
  };
  const site = await siteIntel('intel:\n  lists: [{ path: other.txt, kind: file_sha256 }, { path: certs.txt, kind: cert_sha256 }]\n', files_);
  try {
    assert.deepEqual(only(await replayWithIntel([DOWNLOADS, BENIGN, TESLA, ADMIN_SHARE, FTP_FILES, MAIL_FILES], site), RULE), []);
  } finally {
    site.cleanup();
  }
  const hosts = [...new Set(f.filter((x) => x.sha256 === PE.sha256).map((x) => x['id.orig_h']))];
  const excluded = await siteIntel(`intel:\n  lists: [{ path: listed.txt, kind: file_sha256 }]\ndetectors:\n  file.bad_hash: { exclude: [${hosts.join(', ')}] }\n`, files_);
  try {
    assert.deepEqual(only(await replayWithIntel([DOWNLOADS], excluded), RULE), []);
  } finally {
    excluded.cleanup();
  }
});
