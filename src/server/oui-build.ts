/**
 * Builds assets/oui/oui.tsv.gz from the IEEE registry CSV files (oui.csv,
 * mam.csv, oui36.csv: "Registry,Assignment,Organization Name,Organization
 * Address"), as Debian's ieee-data package ships them in /usr/share/ieee-data.
 * Only the assignment and the organisation name are kept: the addresses are
 * most of the size and nothing in Picket shows them.
 *
 *   node dist/src/server/oui-build.js /usr/share/ieee-data assets/oui/oui.tsv.gz
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const REGISTRY_FILES = ['oui.csv', 'mam.csv', 'oui36.csv'] as const;

/** Splits one CSV line (RFC 4180 quoting; the registry has no embedded newlines). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** `PREFIX\tOrganization` lines, sorted, from the registry CSV texts. */
export function buildOuiLines(csvTexts: readonly string[]): string[] {
  const map = new Map<string, string>();
  for (const text of csvTexts) {
    for (const line of text.split(/\r?\n/)) {
      const f = splitCsvLine(line);
      if (f.length < 3 || !/^MA-[LMS]$/.test(f[0]!)) continue;
      const prefix = f[1]!.trim().toUpperCase();
      const org = f[2]!.replace(/[\t\s]+/g, ' ').trim();
      if (/^[0-9A-F]{6,9}$/.test(prefix) && org !== '') map.set(prefix, org);
    }
  }
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([p, o]) => `${p}\t${o}`);
}

function main(argv: string[]): number {
  const [dir, out] = argv;
  if (dir === undefined || out === undefined) {
    process.stderr.write('usage: oui-build IEEE_DATA_DIR OUT.tsv.gz\n');
    return 2;
  }
  const texts = REGISTRY_FILES.filter((f) => fs.existsSync(path.join(dir, f))).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  const lines = buildOuiLines(texts);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, zlib.gzipSync(`${lines.join('\n')}\n`, { level: 9 }));
  process.stdout.write(`${lines.length} assignments -> ${out}\n`);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
