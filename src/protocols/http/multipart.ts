/**
 * Splits a multipart body (RFC 2046: multipart/form-data uploads,
 * multipart/mixed, multipart/byteranges) into its parts as the bytes
 * stream in, and says what each part is: its Content-Disposition file name
 * and the MIME type of its first bytes (file-magic.ts), the way Zeek's MIME
 * analyzer turns every part into a file of its own.
 *
 * Memory is bounded whatever the body: a part's headers are read up to
 * MAX_HEADER_BYTES, its content up to MAGIC_BYTES (base64 parts: enough
 * text for that many decoded bytes), and at most MAX_PARTS parts are
 * reported. A part of a nested multipart, or a byte range that does not
 * start at the file's first byte, is reported without a type.
 */
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { dispositionFileName } from './disposition.js';

/** What one file of a message body is: its name and its type by content, either possibly unknown. */
export interface BodyFile {
  fileName?: string;
  mime?: string;
}

/** Parts reported per body; later parts are still skipped over correctly, not reported. */
export const MAX_PARTS = 64;
/** Header bytes read per part; a part with longer headers is reported without them. */
const MAX_HEADER_BYTES = 2048;
/** Base64 text read to decode MAGIC_BYTES (4 characters per 3 bytes, plus line breaks). */
const BASE64_TEXT_BYTES = Math.ceil(MAGIC_BYTES / 3) * 4 + 64;
/** Longest boundary RFC 2046 allows is 70 characters; senders exceeding it a little are still read. */
const MAX_BOUNDARY = 200;

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;

/** Scanning for the next delimiter (in the preamble or inside a part's content). */
const S_CONTENT = 0;
/** Just after a delimiter: "--" closes, anything else runs to the end of the boundary line. */
const S_AFTER_DELIMITER = 1;
/** The rest of a boundary line (transport padding) up to its line feed. */
const S_BOUNDARY_LINE = 2;
/** A part's headers, up to the empty line. */
const S_HEADERS = 3;
/** After the closing delimiter: nothing more is read. */
const S_EPILOGUE = 4;

/**
 * The boundary parameter of a multipart Content-Type value, or undefined
 * when it has none (or one too long to be real).
 */
export function multipartBoundary(contentType: string): string | undefined {
  const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType);
  if (m === null) return undefined;
  const b = m[1] ?? m[2]!;
  return b.length === 0 || b.length > MAX_BOUNDARY ? undefined : b;
}

export class MultipartSplitter {
  /** "\r\n--" + boundary: what ends a part's content. */
  readonly #delimiter: Uint8Array;
  #state = S_CONTENT;
  /** Delimiter bytes matched so far; the body's start counts as a line break, so it may open with "--boundary". */
  #matched = 2;
  #dashes = 0;
  readonly #parts: BodyFile[] = [];
  /** Whether the bytes being scanned belong to a part (false in the preamble). */
  #inPart = false;
  #header = new Uint8Array(256);
  #headerLen = 0;
  #headerOverflow = false;
  /** The current part's content prefix. */
  #content = new Uint8Array(64);
  #contentLen = 0;
  #contentWant = MAGIC_BYTES;
  #part: BodyFile = {};
  #base64 = false;
  #untyped = false;
  #skipped = 0;

  constructor(boundary: string) {
    const d = new Uint8Array(4 + boundary.length);
    d[0] = CR;
    d[1] = LF;
    d[2] = DASH;
    d[3] = DASH;
    for (let i = 0; i < boundary.length; i++) d[4 + i] = boundary.charCodeAt(i) & 0xff;
    this.#delimiter = d;
  }

  /** Parts past MAX_PARTS that were not reported. */
  get skippedParts(): number {
    return this.#skipped;
  }

  /** Body bytes data[start, start+len), in order. */
  feed(data: Uint8Array, start: number, len: number): void {
    const end = start + len;
    let i = start;
    const d = this.#delimiter;
    while (i < end) {
      switch (this.#state) {
        case S_CONTENT: {
          if (this.#matched === 0) {
            // Nothing pending: jump to the next carriage return, keeping what comes before.
            const cr = data.indexOf(CR, i);
            const stop = cr < 0 || cr >= end ? end : cr;
            this.#keep(data, i, stop);
            i = stop;
            if (i === end) break;
          }
          const b = data[i]!;
          if (b === d[this.#matched]) {
            i++;
            if (++this.#matched === d.length) {
              this.#endPart();
              this.#matched = 0;
              this.#dashes = 0;
              this.#state = S_AFTER_DELIMITER;
            }
          } else {
            // The bytes taken for a delimiter were content after all (the body's
            // imagined leading line break excepted); only a CR can start a new match.
            const held = this.#matched;
            if (held > 0) this.#keepDelimiterPrefix(held);
            this.#matched = 0;
            if (b === CR) {
              this.#matched = 1;
              i++;
            }
          }
          break;
        }
        case S_AFTER_DELIMITER: {
          const b = data[i++]!;
          if (b === DASH) {
            if (++this.#dashes === 2) this.#state = S_EPILOGUE;
          } else if (b === LF) {
            this.#startPart();
          } else {
            this.#state = S_BOUNDARY_LINE;
          }
          break;
        }
        case S_BOUNDARY_LINE: {
          const lf = data.indexOf(LF, i);
          if (lf < 0 || lf >= end) {
            i = end;
          } else {
            i = lf + 1;
            this.#startPart();
          }
          break;
        }
        case S_HEADERS:
          i = this.#readHeaders(data, i, end);
          break;
        default:
          return;
      }
    }
  }

  /** The parts seen, the last one cut where the bytes stopped if the body ended early. */
  finish(): BodyFile[] {
    if (this.#inPart) this.#endPart();
    this.#state = S_EPILOGUE;
    return this.#parts;
  }

  #startPart(): void {
    this.#inPart = true;
    this.#state = S_HEADERS;
    this.#headerLen = 0;
    this.#headerOverflow = false;
    this.#contentLen = 0;
    this.#contentWant = MAGIC_BYTES;
    this.#part = {};
    this.#base64 = false;
    this.#untyped = false;
  }

  /** Reads header bytes up to the empty line that ends them; returns where reading stopped. */
  #readHeaders(data: Uint8Array, i: number, end: number): number {
    while (i < end) {
      const b = data[i++]!;
      if (this.#headerLen < MAX_HEADER_BYTES) {
        this.#growHeader();
        this.#header[this.#headerLen++] = b;
      } else {
        this.#headerOverflow = true;
        // Keep the last three bytes current so the end is still found.
        const h = this.#header;
        h[MAX_HEADER_BYTES - 3] = h[MAX_HEADER_BYTES - 2]!;
        h[MAX_HEADER_BYTES - 2] = h[MAX_HEADER_BYTES - 1]!;
        h[MAX_HEADER_BYTES - 1] = b;
      }
      if (b !== LF) continue;
      const h = this.#header;
      const n = this.#headerLen;
      // A part with no headers starts with its empty line; otherwise the headers end in CRLF CRLF (or a bare LF LF).
      const empty =
        (n === 1) ||
        (n === 2 && h[0] === CR) ||
        (n >= 2 && h[n - 2] === LF) ||
        (n >= 4 && h[n - 2] === CR && h[n - 3] === LF);
      if (!empty) continue;
      if (!this.#headerOverflow) this.#parseHeaders(h, n);
      this.#state = S_CONTENT;
      // The delimiter's CR LF belongs to it, so a part's content may begin with a delimiter at once.
      this.#matched = 0;
      return i;
    }
    return i;
  }

  #growHeader(): void {
    if (this.#headerLen < this.#header.length) return;
    const bigger = new Uint8Array(Math.min(MAX_HEADER_BYTES, this.#header.length * 2));
    bigger.set(this.#header);
    this.#header = bigger;
  }

  #parseHeaders(h: Uint8Array, n: number): void {
    // Header text is ASCII by the RFC; other bytes pass through as Latin-1, which only names can carry.
    let text = '';
    for (let i = 0; i < n; i++) text += String.fromCharCode(h[i]!);
    const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
    for (const line of unfolded.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-disposition') {
        const fileName = dispositionFileName(value);
        if (fileName !== undefined) this.#part.fileName = fileName;
      } else if (name === 'content-type') {
        // A nested multipart holds parts of its own, which this splitter does not descend into.
        if (value.toLowerCase().startsWith('multipart/')) this.#untyped = true;
      } else if (name === 'content-transfer-encoding') {
        if (value.toLowerCase() === 'base64') {
          this.#base64 = true;
          this.#contentWant = BASE64_TEXT_BYTES;
        }
      } else if (name === 'content-range') {
        if (!/^\s*bytes\s+0-/i.test(value)) this.#untyped = true;
      }
    }
  }

  /** Content bytes data[from, to) of the current part (preamble bytes are dropped). */
  #keep(data: Uint8Array, from: number, to: number): void {
    if (!this.#inPart || to <= from) return;
    const room = this.#contentWant - this.#contentLen;
    if (room <= 0) return;
    const take = Math.min(room, to - from);
    this.#growContent(this.#contentLen + take);
    this.#content.set(data.subarray(from, from + take), this.#contentLen);
    this.#contentLen += take;
  }

  /** The first `n` delimiter bytes turned out to be content. */
  #keepDelimiterPrefix(n: number): void {
    // At the body's start the matched CR LF was imagined, not received.
    const d = this.#delimiter;
    if (!this.#inPart) return;
    this.#keep(d, 0, n);
  }

  #growContent(need: number): void {
    if (need <= this.#content.length) return;
    let size = this.#content.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(Math.min(size, this.#contentWant));
    bigger.set(this.#content.subarray(0, this.#contentLen));
    this.#content = bigger;
  }

  #endPart(): void {
    if (!this.#inPart) return;
    this.#inPart = false;
    if (this.#state === S_HEADERS) {
      // Cut inside its headers: a part with nothing readable.
      if (!this.#headerOverflow) this.#parseHeaders(this.#header, this.#headerLen);
    } else if (!this.#untyped && this.#contentLen > 0) {
      const mime = this.#sniff();
      if (mime !== undefined) this.#part.mime = mime;
    }
    if (this.#part.fileName === undefined && this.#part.mime === undefined) return;
    if (this.#parts.length >= MAX_PARTS) {
      this.#skipped++;
      return;
    }
    this.#parts.push(this.#part);
  }

  #sniff(): string | undefined {
    const got = this.#content.subarray(0, this.#contentLen);
    if (!this.#base64) return sniffMimeType(got, 0, Math.min(got.length, MAGIC_BYTES));
    let text = '';
    for (let i = 0; i < got.length; i++) {
      const c = got[i]!;
      if (c !== CR && c !== LF) text += String.fromCharCode(c);
    }
    // Decode whole 4-character groups only: a cut group would decode to wrong last bytes.
    const plain = Buffer.from(text.slice(0, text.length - (text.length % 4)), 'base64');
    return sniffMimeType(plain, 0, Math.min(plain.length, MAGIC_BYTES));
  }
}
