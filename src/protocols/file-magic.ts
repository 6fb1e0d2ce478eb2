/**
 * File type by content: the MIME type of a file from its first bytes, the
 * way Zeek's file analysis names it in `http.log`'s `orig_mime_types` and
 * `resp_mime_types` (application/x-dosexec for Windows programs,
 * application/x-executable for ELF, image/png, text/html...). Only
 * signatures that hold at a fixed place in the first bytes are read: a
 * type that needs the whole file (office documents inside a ZIP) is named
 * by its container. Text that no signature names is `text/plain` when it
 * opens with ten printable characters (after an optional byte order mark),
 * as Zeek's weakest signature says; nothing is returned for other bytes no
 * signature matches, rather than a guess.
 */

/** Bytes of a file's beginning that the signatures below read. */
export const MAGIC_BYTES = 512;

/** The types an executable program has (Windows PE, ELF, Mach-O). */
export const EXECUTABLE_MIME_TYPES: ReadonlySet<string> = new Set([
  'application/x-dosexec',
  'application/x-executable',
  'application/x-mach-o-executable',
]);

interface Signature {
  mime: string;
  /** Bytes at offset 0. */
  bytes: readonly number[];
}

function ascii(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}

/** Fixed signatures at offset 0, longest and most specific first. */
const SIGNATURES: readonly Signature[] = [
  { mime: 'application/x-executable', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { mime: 'application/x-mach-o-executable', bytes: [0xfe, 0xed, 0xfa, 0xce] },
  { mime: 'application/x-mach-o-executable', bytes: [0xce, 0xfa, 0xed, 0xfe] },
  { mime: 'application/x-mach-o-executable', bytes: [0xfe, 0xed, 0xfa, 0xcf] },
  { mime: 'application/x-mach-o-executable', bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  // Java class files and Mach-O universal binaries share this; Zeek names it a Java applet.
  { mime: 'application/x-java-applet', bytes: [0xca, 0xfe, 0xba, 0xbe] },
  { mime: 'application/x-ole-storage', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { mime: 'application/x-7z-compressed', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { mime: 'application/x-xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { mime: 'application/x-rar', bytes: ascii('Rar!\x1a\x07') },
  { mime: 'application/vnd.ms-cab-compressed', bytes: ascii('MSCF\0\0\0\0') },
  { mime: 'application/x-ms-shortcut', bytes: [0x4c, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00] },
  { mime: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { mime: 'application/x-gzip', bytes: [0x1f, 0x8b, 0x08] },
  { mime: 'application/x-bzip2', bytes: ascii('BZh') },
  { mime: 'application/pdf', bytes: ascii('%PDF-') },
  { mime: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { mime: 'image/gif', bytes: ascii('GIF87a') },
  { mime: 'image/gif', bytes: ascii('GIF89a') },
  { mime: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { mime: 'image/x-icon', bytes: [0x00, 0x00, 0x01, 0x00] },
  { mime: 'application/vnd.tcpdump.pcap', bytes: [0xd4, 0xc3, 0xb2, 0xa1] },
  { mime: 'application/vnd.tcpdump.pcap', bytes: [0xa1, 0xb2, 0xc3, 0xd4] },
  { mime: 'application/x-shockwave-flash', bytes: ascii('FWS') },
  { mime: 'application/x-shockwave-flash', bytes: ascii('CWS') },
];

/** Markup openings (after optional white space and a UTF-8 byte order mark), compared without case. */
const MARKUP: readonly { mime: string; text: string }[] = [
  { mime: 'application/xml', text: '<?xml' },
  { mime: 'text/html', text: '<!doctype html' },
  { mime: 'text/html', text: '<html' },
  { mime: 'text/html', text: '<head' },
  { mime: 'text/html', text: '<title' },
  { mime: 'text/html', text: '<body' },
  { mime: 'text/html', text: '<script' },
  { mime: 'text/html', text: '<iframe' },
  { mime: 'text/html', text: '<h1' },
  { mime: 'text/html', text: '<!--' },
];

/** Interpreters named on a `#!` line, by the type of script they run. */
const INTERPRETERS: readonly { mime: string; word: string }[] = [
  { mime: 'text/x-python', word: 'python' },
  { mime: 'text/x-perl', word: 'perl' },
  { mime: 'text/x-php', word: 'php' },
  { mime: 'text/x-ruby', word: 'ruby' },
];

function startsWith(buf: Uint8Array, start: number, end: number, sig: readonly number[]): boolean {
  if (end - start < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (buf[start + i] !== sig[i]) return false;
  return true;
}

function startsWithText(buf: Uint8Array, at: number, end: number, text: string): boolean {
  if (end - at < text.length) return false;
  for (let i = 0; i < text.length; i++) {
    let b = buf[at + i]!;
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (b !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * A DOS header whose program header is within reach must point at a "PE\0\0"
 * signature; one pointing past the bytes read is taken on its "MZ" alone.
 */
function isDosExecutable(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 2 || buf[start] !== 0x4d || buf[start + 1] !== 0x5a) return false;
  if (end - start < 0x40) return true;
  const lfanew = buf[start + 0x3c]! | (buf[start + 0x3d]! << 8) | (buf[start + 0x3e]! << 16) | (buf[start + 0x3f]! << 24);
  if (lfanew < 0x40 || lfanew > MAGIC_BYTES - 4) return lfanew >= 0x40;
  const p = start + lfanew;
  if (p + 4 > end) return true;
  return buf[p] === 0x50 && buf[p + 1] === 0x45 && buf[p + 2] === 0 && buf[p + 3] === 0;
}

function shebang(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end - start < 3 || buf[start] !== 0x23 || buf[start + 1] !== 0x21) return undefined;
  let lineEnd = start + 2;
  while (lineEnd < end && buf[lineEnd] !== 0x0a) lineEnd++;
  const line = String.fromCharCode(...buf.subarray(start + 2, Math.min(lineEnd, start + 128))).toLowerCase();
  if (!/^\s*\//.test(line)) return undefined;
  for (const it of INTERPRETERS) if (line.includes(it.word)) return it.mime;
  return 'text/x-shellscript';
}

/** The MIME type of a file beginning with buf[start..end), or undefined when no signature matches. */
export function sniffMimeType(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end <= start) return undefined;
  if (isDosExecutable(buf, start, end)) return 'application/x-dosexec';
  for (const s of SIGNATURES) if (startsWith(buf, start, end, s.bytes)) return s.mime;
  const script = shebang(buf, start, end);
  if (script !== undefined) return script;
  let i = start;
  if (startsWith(buf, i, end, [0xef, 0xbb, 0xbf])) i += 3;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  if (i < end && buf[i] === 0x3c) {
    for (const m of MARKUP) if (startsWithText(buf, i, end, m.text)) return m.mime;
  }
  return isPlainText(buf, start, end) ? 'text/plain' : undefined;
}

/** Byte order marks that may open text: UTF-32 LE and BE before UTF-16's, which they begin with. */
const BYTE_ORDER_MARKS: readonly (readonly number[])[] = [
  [0xef, 0xbb, 0xbf],
  [0xff, 0xfe, 0x00, 0x00],
  [0x00, 0x00, 0xfe, 0xff],
  [0xfe, 0xff],
  [0xff, 0xfe],
];
/** Printable characters or white space that make a beginning text. */
const PLAIN_TEXT_RUN = 10;

/** Whether the bytes open with PLAIN_TEXT_RUN printable ASCII characters or white space, after an optional byte order mark. */
function isPlainText(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  for (const bom of BYTE_ORDER_MARKS) {
    if (startsWith(buf, i, end, bom)) {
      i += bom.length;
      break;
    }
  }
  if (end - i < PLAIN_TEXT_RUN) return false;
  for (let k = i; k < i + PLAIN_TEXT_RUN; k++) {
    const b = buf[k]!;
    if (!((b >= 0x20 && b <= 0x7e) || (b >= 0x09 && b <= 0x0d))) return false;
  }
  return true;
}
