/**
 * What one X.509 certificate says, for x509.log and ssl.log: fingerprints,
 * version, serial, subject and issuer (RFC 2253 order, as OpenSSL and Zeek
 * print them), validity, key and signature algorithms, key size, subject
 * alternative names and basic constraints. Node's X509Certificate parses
 * the certificate (and rejects a malformed one); the few fields it does not
 * expose (version, algorithm names, SANs by kind, path length) are read from
 * the DER with the shared BER reader. Never throws: null when unreadable.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { BerReader, TagClass, UniversalTag } from '../asn1/ber.js';
import { logString } from '../wire-text.js';
import { hexAt, ipv4At, ipv6At } from '../dns/format.js';

export interface CertificateFacts {
  /** SHA-256 of the DER (Zeek's fingerprint), hex. */
  sha256: string;
  /** SHA-1 of the DER, hex (what abuse.ch SSLBL and many feeds list). */
  sha1: string;
  version: number;
  /** Serial number, upper-case hex of its DER octets. */
  serial: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  keyAlg: string;
  sigAlg: string;
  keyType: string | undefined;
  keyLength: number | undefined;
  exponent: string | undefined;
  curve: string | undefined;
  sanDns: string[];
  sanUri: string[];
  sanEmail: string[];
  sanIp: string[];
  /** basicConstraints: undefined when the extension is absent. */
  ca: boolean | undefined;
  pathLen: number | undefined;
  /** The subject's last common name (sni_matches_cert falls back to it without DNS names). */
  commonName: string | undefined;
}

/** Most subject alternative names kept per kind. */
const MAX_SAN_ENTRIES = 256;
/** Longest name kept. */
const MAX_NAME_LENGTH = 1024;

/** OpenSSL's long names of the key and signature algorithms certificates use (Zeek prints these). */
const ALGORITHM_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsaEncryption',
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.2.1': 'id-ecPublicKey',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.1': 'ecdsa-with-SHA224',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.2.840.10040.4.1': 'dsaEncryption',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '2.16.840.1.101.3.4.3.2': 'dsa_with_SHA256',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
  '1.2.643.2.2.19': 'GOST R 34.10-2001',
};

/** Key sizes of the named curves (Zeek logs the curve's bits as the key length). */
const CURVE_BITS: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  secp256k1: 256,
  secp224r1: 224,
  prime192v1: 192,
  brainpoolP256r1: 256,
  brainpoolP384r1: 384,
  brainpoolP512r1: 512,
};

const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

function algorithmName(oid: string): string {
  return ALGORITHM_NAMES[oid] ?? oid;
}

/** Node prints a name one RDN a line, most general first; x509.log wants RFC 2253: most specific first, comma separated. */
function rfc2253(multiline: string): string {
  return multiline.split('\n').reverse().join(',');
}

function commonNameOf(multiline: string): string | undefined {
  const lines = multiline.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.startsWith('CN=')) return lines[i]!.slice(3).replace(/\\(.)/g, '$1');
  return undefined;
}

/** The facts Node does not expose, read from the DER. */
type DerFields = Pick<CertificateFacts, 'version' | 'serial' | 'sigAlg' | 'keyAlg' | 'sanDns' | 'sanUri' | 'sanEmail' | 'sanIp' | 'ca' | 'pathLen'>;

function readDer(der: Uint8Array): DerFields | null {
  const outer = new BerReader(der);
  if (!outer.next() || !outer.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return null;
  const cert = outer.enter();
  if (cert === null || !cert.next() || !cert.is(TagClass.UNIVERSAL, UniversalTag.SEQUENCE)) return null;
  const tbs = cert.enter();
  if (tbs === null || !tbs.next()) return null;
  const f: DerFields = { version: 1, serial: '', sigAlg: '', keyAlg: '', sanDns: [], sanUri: [], sanEmail: [], sanIp: [], ca: undefined, pathLen: undefined };
  if (tbs.cls === TagClass.CONTEXT && tbs.tag === 0) {
    const v = tbs.enter();
    if (v === null || !v.next()) return null;
    f.version = v.int() + 1;
    if (!tbs.next()) return null;
  }
  if (!tbs.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) return null;
  let serial = tbs.bytes();
  // A positive serial whose first octet has the top bit set carries a leading zero octet.
  if (serial.length > 1 && serial[0] === 0) serial = serial.subarray(1);
  f.serial = hexAt(serial, 0, serial.length).toUpperCase();
  if (!tbs.next()) return null;
  f.sigAlg = algorithmName(firstOid(tbs));
  // issuer, validity, subject
  for (let i = 0; i < 3; i++) if (!tbs.next()) return null;
  if (!tbs.next()) return null;
  const spki = tbs.enter();
  if (spki === null || !spki.next()) return null;
  f.keyAlg = algorithmName(firstOid(spki));
  if (tbs.seekContext(3)) readExtensions(tbs, f);
  return f;
}

/** The OID that opens the AlgorithmIdentifier the reader is on ('' when none). */
function firstOid(r: BerReader): string {
  const alg = r.enter();
  if (alg === null || !alg.next() || !alg.is(TagClass.UNIVERSAL, UniversalTag.OID)) return '';
  return alg.oid();
}

function readExtensions(tbs: BerReader, f: DerFields): void {
  const wrap = tbs.enter();
  if (wrap === null || !wrap.next()) return;
  const list = wrap.enter();
  if (list === null) return;
  while (list.next()) {
    const ext = list.enter();
    if (ext === null || !ext.next() || !ext.is(TagClass.UNIVERSAL, UniversalTag.OID)) continue;
    const oid = ext.oid();
    if (oid !== OID_SAN && oid !== OID_BASIC_CONSTRAINTS) continue;
    // critical BOOLEAN (optional), then the OCTET STRING holding the value.
    while (ext.next() && !ext.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING));
    if (!ext.is(TagClass.UNIVERSAL, UniversalTag.OCTET_STRING)) continue;
    const value = ext.enter();
    if (value === null || !value.next()) continue;
    const inner = value.enter();
    if (inner === null) continue;
    if (oid === OID_SAN) readAltNames(inner, f);
    else readBasicConstraints(inner, f);
  }
}

function readAltNames(names: BerReader, f: DerFields): void {
  while (names.next()) {
    if (names.cls !== TagClass.CONTEXT) continue;
    const b = names.bytes();
    const text = (): string => logString(b, 0, Math.min(b.length, MAX_NAME_LENGTH));
    let list: string[] | undefined;
    let value: string | undefined;
    switch (names.tag) {
      case 1:
        list = f.sanEmail;
        value = text();
        break;
      case 2:
        list = f.sanDns;
        value = text();
        break;
      case 6:
        list = f.sanUri;
        value = text();
        break;
      case 7:
        list = f.sanIp;
        value = b.length === 4 ? ipv4At(b, 0) : b.length === 16 ? ipv6At(b, 0) : undefined;
        break;
      default:
        break;
    }
    if (list !== undefined && value !== undefined && list.length < MAX_SAN_ENTRIES) list.push(value);
  }
}

function readBasicConstraints(r: BerReader, f: DerFields): void {
  f.ca = false;
  while (r.next()) {
    if (r.is(TagClass.UNIVERSAL, UniversalTag.BOOLEAN)) f.ca = r.bool();
    else if (r.is(TagClass.UNIVERSAL, UniversalTag.INTEGER)) {
      const n = r.int();
      if (Number.isFinite(n)) f.pathLen = n;
    }
  }
}

/** A certificate's SHA-256 and SHA-1, hex. */
export interface CertificateDigests {
  sha256: string;
  sha1: string;
}

export function certificateDigests(der: Uint8Array, sha256 = createHash('sha256').update(der).digest('hex')): CertificateDigests {
  return { sha256, sha1: createHash('sha1').update(der).digest('hex') };
}

/** The facts of the certificate `der` (whose digests the caller may have worked out already), or null when it is not one. */
export function describeCertificate(der: Uint8Array, digests: CertificateDigests = certificateDigests(der)): CertificateFacts | null {
  const fields = readDer(der);
  if (fields === null) return null;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    return null;
  }
  let keyType: string | undefined;
  let keyLength: number | undefined;
  let exponent: string | undefined;
  let curve: string | undefined;
  try {
    const key = cert.publicKey;
    keyType = key.asymmetricKeyType;
    const d = key.asymmetricKeyDetails;
    if (d !== undefined) {
      if (d.modulusLength !== undefined) keyLength = d.modulusLength;
      if (d.publicExponent !== undefined) exponent = d.publicExponent.toString();
      if (d.namedCurve !== undefined) {
        curve = d.namedCurve;
        keyLength = CURVE_BITS[d.namedCurve];
      }
    }
  } catch {
    // A key type this Node build cannot load: the certificate's other facts still count.
  }
  const notBefore = Date.parse(cert.validFrom) / 1000;
  const notAfter = Date.parse(cert.validTo) / 1000;
  return {
    sha256: digests.sha256,
    sha1: digests.sha1,
    version: fields.version,
    serial: fields.serial,
    subject: rfc2253(cert.subject),
    issuer: rfc2253(cert.issuer),
    notBefore,
    notAfter,
    keyAlg: fields.keyAlg,
    sigAlg: fields.sigAlg,
    keyType,
    keyLength,
    exponent,
    curve,
    sanDns: fields.sanDns,
    sanUri: fields.sanUri,
    sanEmail: fields.sanEmail,
    sanIp: fields.sanIp,
    ca: fields.ca,
    pathLen: fields.pathLen,
    commonName: commonNameOf(cert.subject),
  };
}

/**
 * Whether `host` (an SNI) is a name the certificate covers: one of its DNS
 * names, or its common name when it has none; a leading "*." covers exactly
 * one label (RFC 6125 section 6.4.3). Case-insensitive.
 */
export function certificateCoversHost(facts: CertificateFacts, host: string): boolean {
  const names = facts.sanDns.length > 0 ? facts.sanDns : facts.commonName !== undefined ? [facts.commonName] : [];
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of names) {
    const n = raw.toLowerCase();
    if (n === h) return true;
    if (n.startsWith('*.')) {
      const dot = h.indexOf('.');
      if (dot > 0 && h.slice(dot + 1) === n.slice(2)) return true;
    }
  }
  return false;
}
