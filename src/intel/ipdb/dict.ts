/**
 * Interning of what ranges point at, while a table is built: AS entries
 * (number + organisation) and organisation names are stored once and
 * referenced by index, so hundreds of thousands of ranges share a few tens of
 * thousands of strings. Country codes are packed into one number (two ASCII
 * letters, upper case) so they can sit in a typed array.
 */

/** Longest organisation name kept (longer names are cut; real ones are < 100). */
export const MAX_ORG_LENGTH = 200;
/** Distinct organisation names kept (real ASN databases name ~100k; the entry key packs the index in 20 bits). */
export const MAX_ORGS = 1_000_000;

/** "US" -> 0x5553; 0 for anything that is not two ASCII letters. */
export function packCountry(cc: unknown): number {
  if (typeof cc !== 'string' || cc.length !== 2) return 0;
  const a = cc.charCodeAt(0) & ~0x20;
  const b = cc.charCodeAt(1) & ~0x20;
  if (a < 65 || a > 90 || b < 65 || b > 90) return 0;
  return (a << 8) | b;
}

export function unpackCountry(packed: number): string | undefined {
  if (packed === 0) return undefined;
  return String.fromCharCode(packed >>> 8, packed & 0xff);
}

/** Organisation text as stored: control characters (including the cache's newline separator) become spaces. */
export function cleanOrg(org: string): string {
  // eslint-disable-next-line no-control-regex
  const s = org.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return s.length > MAX_ORG_LENGTH ? s.slice(0, MAX_ORG_LENGTH) : s;
}

export class AsnDictionary {
  /** AS number per entry (0 = unknown number, organisation only). */
  readonly asns: number[] = [];
  /** Index into `orgs` per entry, -1 when none. */
  readonly orgIdx: number[] = [];
  readonly orgs: string[] = [];
  readonly #orgIds = new Map<string, number>();
  /** asn * 2^20 + org index + 1 (exact below 2^53: 2^32 * 2^20 = 2^52). */
  readonly #entryIds = new Map<number, number>();

  /** Last entry seen per AS number with its raw organisation text: most ASes have one name, so this skips string hashing. */
  readonly #byAsn = new Map<number, { raw: string | undefined; id: number }>();

  /** Entry id for (asn, org); the same pair always gets the same id. */
  intern(asn: number, org: string | undefined): number {
    const last = this.#byAsn.get(asn);
    if (last !== undefined && last.raw === org) return last.id;
    const id = this.#intern(asn, org);
    if (last === undefined) this.#byAsn.set(asn, { raw: org, id });
    return id;
  }

  #intern(asn: number, org: string | undefined): number {
    const o = org === undefined || org === '' ? -1 : this.#org(org);
    const key = asn * 1048576 + (o + 1);
    let id = this.#entryIds.get(key);
    if (id === undefined) {
      id = this.asns.length;
      this.asns.push(asn);
      this.orgIdx.push(o);
      this.#entryIds.set(key, id);
    }
    return id;
  }

  /** Keyed by the raw text, so each distinct spelling is cleaned once. */
  #org(raw: string): number {
    let id = this.#orgIds.get(raw);
    if (id === undefined) {
      const org = cleanOrg(raw);
      id = org === '' ? -1 : (this.#orgIds.get(org) ?? -1);
      if (org !== '' && id < 0 && this.orgs.length < MAX_ORGS) {
        id = this.orgs.length;
        this.orgs.push(org);
        this.#orgIds.set(org, id);
      }
      this.#orgIds.set(raw, id);
    }
    return id;
  }
}
