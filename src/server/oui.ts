/**
 * MAC vendor lookup from the IEEE registry (MA-L 24-bit, MA-M 28-bit and
 * MA-S 36-bit assignments), bundled as assets/oui/oui.tsv.gz: one
 * `HEXPREFIX<TAB>Organization` line per assignment (6, 7 or 9 hex digits).
 * The IEEE does not assert copyright on the listing (see
 * assets/oui/SOURCES.md); `oui-build.ts` regenerates it from Debian's
 * ieee-data CSV files. Loaded once, on first use; a missing or damaged table
 * means "no vendor", never an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { assetPath } from './assets.js';

/** Largest table accepted after gunzip (the real one is about 1.3 MB). */
const MAX_TABLE_BYTES = 16 * 1024 * 1024;

export interface OuiTable {
  /** Vendor of a MAC ("aa:bb:cc:dd:ee:ff", "-" or "." separated, or bare hex); undefined when unknown. */
  lookup(mac: string): string | undefined;
  readonly size: number;
}

/** The bundled table file. */
export function defaultOuiFile(): string {
  return assetPath(path.join('oui', 'oui.tsv.gz'));
}

/** Twelve upper-case hex digits, or null when `mac` is not a 48-bit MAC. */
export function normalizeMac(mac: string): string | null {
  const hex = mac.replace(/[:.\-]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) ? hex : null;
}

/** "aa:bb:cc:dd:ee:ff" for any accepted MAC spelling, or null. */
export function canonicalMac(mac: string): string | null {
  const hex = normalizeMac(mac);
  if (hex === null) return null;
  return hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
}

export function parseOuiTable(text: string): OuiTable {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const prefix = line.slice(0, tab).toUpperCase();
    const org = line.slice(tab + 1).trim();
    if ((prefix.length === 6 || prefix.length === 7 || prefix.length === 9) && /^[0-9A-F]+$/.test(prefix) && org !== '') map.set(prefix, org);
  }
  return {
    size: map.size,
    lookup(mac: string): string | undefined {
      const hex = normalizeMac(mac);
      if (hex === null) return undefined;
      // Locally administered (random, virtual) addresses belong to no vendor.
      if ((parseInt(hex.slice(0, 2), 16) & 0x02) !== 0) return undefined;
      // Most specific first: MA-S and MA-M blocks sit inside IEEE-owned MA-L blocks.
      return map.get(hex.slice(0, 9)) ?? map.get(hex.slice(0, 7)) ?? map.get(hex.slice(0, 6));
    },
  };
}

const EMPTY: OuiTable = { size: 0, lookup: () => undefined };
let loaded: OuiTable | undefined;

/** The bundled table (cached); empty when the file is missing or unreadable. */
export function ouiTable(file?: string): OuiTable {
  if (loaded !== undefined && file === undefined) return loaded;
  let table = EMPTY;
  try {
    const f = file ?? defaultOuiFile();
    const raw = fs.readFileSync(f);
    const text = (f.endsWith('.gz') ? zlib.gunzipSync(raw, { maxOutputLength: MAX_TABLE_BYTES }) : raw).toString('utf8');
    table = parseOuiTable(text);
  } catch {
    table = EMPTY;
  }
  if (file === undefined) loaded = table;
  return table;
}
