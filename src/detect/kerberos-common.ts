/**
 * What the Kerberos roasting rules (kerberos.kerberoasting,
 * kerberos.asrep_roasting) share: the `weak_etypes` option (encryption
 * types given by number or by their kerberos.log name), the routine service
 * tickets every host asks for (TGT renewal, its own machine account), and
 * the bounded per-client evidence both keep.
 */
import { z } from 'zod';
import { cipherName } from '../protocols/kerberos/consts.js';
import { cutText } from '../util/cut-text.js';

/** Clients (source addresses) tracked per counting window by default (`max_tracked`). */
export const MAX_KRB_CLIENTS = 20000;
/**
 * Distinct services or accounts counted per client (at least the threshold):
 * past the threshold the count goes on, so the message tells how many.
 */
export const MAX_KRB_MEMBERS = 64;
/** Services or accounts held across all clients (each at most MAX_KRB_NAME_LENGTH characters: ~60 MB at most). */
export const MAX_KRB_TOTAL_MEMBERS = 100_000;
/** Accounts, services, KDCs and etypes listed per alert. */
export const MAX_KRB_LISTED = 10;
/**
 * Longest principal or service name kept in evidence, cut into a string of
 * its own: names come from the wire and a message may be 256 KiB.
 */
export const MAX_KRB_NAME_LENGTH = 256;

/** Encryption types up to this number are looked up by name (the RFC 3961 registry ends well below). */
const MAX_NAMED_ETYPE = 128;

/** Etype numbers by kerberos.log name ("rc4-hmac" -> 23), for configuration. */
const ETYPE_BY_NAME: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  for (let e = 0; e <= MAX_NAMED_ETYPE; e++) {
    const name = cipherName(e);
    if (!name.startsWith('unknown-')) m.set(name, e);
  }
  return m;
})();

/**
 * DES (1, 2, 3) and RC4 (23, 24): the ticket and reply encryptions that
 * crack offline fast (one MD4 or DES key per guess, hashcat modes 13100 and
 * 18200), against AES's 4,096 PBKDF2 rounds. Suricata's krb5 `weak` keyword
 * flags the same types.
 */
export const DEFAULT_WEAK_ETYPES: readonly string[] = ['des-cbc-crc', 'des-cbc-md4', 'des-cbc-md5', 'rc4-hmac', 'rc4-hmac-exp'];

/** An encryption type by number (23) or kerberos.log name ("rc4-hmac"); the output is the number. */
export const etypeField = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
    ctx.addIssue({ code: 'custom', message: 'is not an encryption type number', input: v });
    return z.NEVER;
  }
  const n = ETYPE_BY_NAME.get(v.toLowerCase());
  if (n !== undefined) return n;
  ctx.addIssue({ code: 'custom', message: `is not an encryption type (e.g. rc4-hmac, des-cbc-md5, aes256-cts-hmac-sha1-96, or a number)`, input: v });
  return z.NEVER;
});

/** The `weak_etypes` option: encryption types that make a ticket or reply roastable. */
export const weakEtypesField = z.array(etypeField).prefault([...DEFAULT_WEAK_ETYPES]);

/** Names of `etypes` as kerberos.log writes them, in order, duplicates dropped. */
export function etypeNames(etypes: Iterable<number>): string[] {
  const out: string[] = [];
  for (const e of etypes) {
    const name = cipherName(e);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The host part of a service principal ("cifs/ws01.corp.example:445" -> "ws01"), lower case; '' without one. */
function serviceHost(service: string): string {
  const slash = service.indexOf('/');
  if (slash < 0) return '';
  let end = service.length;
  for (let i = slash + 1; i < service.length; i++) {
    const c = service.charCodeAt(i);
    if (c === 0x2e /* . */ || c === 0x3a /* : */ || c === 0x2f /* / */) {
      end = i;
      break;
    }
  }
  return service.slice(slash + 1, end).toLowerCase();
}

/**
 * Service tickets every host asks for, never roasting targets worth a count:
 * krbtgt (TGT renewal and referrals, encrypted with the krbtgt key), a
 * machine account's tickets to its own services ("WS01$" asking for
 * "HOST/ws01.corp.example" or for "WS01$" itself: group policy, S4U2self),
 * and a principal asking for a ticket to itself (user-to-user).
 */
export function routineService(service: string, principal: string): boolean {
  const s = service.toLowerCase();
  if (s === 'krbtgt' || s.startsWith('krbtgt/') || s === 'kadmin/changepw') return true;
  if (principal === '') return false;
  const p = principal.toLowerCase();
  if (s === p) return true;
  if (!p.endsWith('$')) return false;
  const machine = p.slice(0, -1);
  return s === machine || serviceHost(s) === machine;
}

/** Adds `value` (cut to MAX_KRB_NAME_LENGTH) to a listed sample while it has room. */
export function addSample(set: Set<string>, value: string): void {
  if (value === '' || set.size >= MAX_KRB_LISTED || set.has(value)) return;
  set.add(cutText(value, MAX_KRB_NAME_LENGTH));
}

/**
 * "alice@CORP.EXAMPLE", the account as alerts name it: the principal alone
 * without a realm, or when it is an enterprise name that carries its own
 * ("alice@corp.example").
 */
export function accountName(principal: string, realm: string): string {
  return realm === '' || principal.includes('@') ? principal : `${principal}@${realm}`;
}
