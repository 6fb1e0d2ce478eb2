/**
 * Registration of the mail analyzers: SMTP (TCP 25, 587), IMAP (143) and
 * POP3 (110), each with a content probe for its greeting or a typical first
 * client command. Implicit-TLS ports (465, 993, 995) are not claimed: the
 * outcome there is hidden, and the brute-force detector counts those
 * connections from conn.log.
 */
import type { Analyzer, AnalyzerContext, ProtocolSpec } from '../analyzer.js';
import { asciiBytes, startsWithIgnoreCase } from '../wire-text.js';
import { IMAP_PORTS, POP3_PORTS, SMTP_PORTS } from './consts.js';
import { ImapAnalyzer } from './imap.js';
import { Pop3Analyzer } from './pop3.js';
import { SmtpAnalyzer } from './smtp.js';
import { HASH_NAMES, type HashName } from '../../files/file-hashes.js';

const EHLO = asciiBytes('ehlo ');
const HELO = asciiBytes('helo ');
const SMTP = asciiBytes('smtp');
const IMAP_GREETING = asciiBytes('* ok');
const IMAP4 = asciiBytes('imap4');
const POP_OK = asciiBytes('+ok');
/** How far into a greeting the probes look for a protocol name. */
const PROBE_SCAN = 256;

function firstLineHas(data: Uint8Array, from: number, word: Uint8Array): boolean {
  const end = data.length < PROBE_SCAN ? data.length : PROBE_SCAN;
  for (let i = from; i + word.length <= end && data[i] !== 0x0a; i++) {
    if (startsWithIgnoreCase(data, i, end, word)) return true;
  }
  return false;
}

/** Client "EHLO "/"HELO ", or a server "220" greeting that mentions SMTP. */
export function probeSmtp(data: Uint8Array, fromOrig: boolean): boolean {
  const n = data.length;
  if (fromOrig) return startsWithIgnoreCase(data, 0, n, EHLO) || startsWithIgnoreCase(data, 0, n, HELO);
  if (n < 5 || data[0] !== 0x32 || data[1] !== 0x32 || data[2] !== 0x30) return false;
  return (data[3] === 0x20 || data[3] === 0x2d) && firstLineHas(data, 4, SMTP);
}

/** A server "* OK" greeting that mentions IMAP4. */
export function probeImap(data: Uint8Array, fromOrig: boolean): boolean {
  return !fromOrig && startsWithIgnoreCase(data, 0, data.length, IMAP_GREETING) && firstLineHas(data, 4, IMAP4);
}

/** A server "+OK" greeting (client commands such as USER are shared with FTP: not specific enough). */
export function probePop3(data: Uint8Array, fromOrig: boolean): boolean {
  if (fromOrig) return false;
  return startsWithIgnoreCase(data, 0, data.length, POP_OK) && data.length > 3 && (data[3] === 0x20 || data[3] === 0x0d);
}

/** One mail protocol's spec: TCP on its ports, its content probe, its analyzer made with the file digests to compute. */
function mailSpec(
  name: string,
  ports: readonly number[],
  probe: (data: Uint8Array, fromOrig: boolean) => boolean,
  make: (ctx: AnalyzerContext, fileHashes: readonly HashName[]) => Analyzer,
  fileHashes: readonly HashName[],
): ProtocolSpec {
  return {
    name,
    transports: ['tcp'],
    ports,
    probe: (data, fromOrig, transport) => transport === 'tcp' && probe(data, fromOrig),
    create: (ctx) => make(ctx, fileHashes),
  };
}

/** The SMTP analyzer; `fileHashes`: the digests of the files messages carry (default all three). */
export function createSmtpSpec(fileHashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return mailSpec('smtp', SMTP_PORTS, probeSmtp, (ctx, h) => new SmtpAnalyzer(ctx, h), fileHashes);
}

export const smtpSpec: ProtocolSpec = createSmtpSpec();

/** The IMAP analyzer; `fileHashes`: the digests of the files fetched messages carry (default all three). */
export function createImapSpec(fileHashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return mailSpec('imap', IMAP_PORTS, probeImap, (ctx, h) => new ImapAnalyzer(ctx, h), fileHashes);
}

export const imapSpec: ProtocolSpec = createImapSpec();

/** The POP3 analyzer; `fileHashes`: the digests of the files retrieved messages carry (default all three). */
export function createPop3Spec(fileHashes: readonly HashName[] = HASH_NAMES): ProtocolSpec {
  return mailSpec('pop3', POP3_PORTS, probePop3, (ctx, h) => new Pop3Analyzer(ctx, h), fileHashes);
}

export const pop3Spec: ProtocolSpec = createPop3Spec();

export type { MailEvent, SmtpLogEvent, SmtpRecord } from './events.js';
