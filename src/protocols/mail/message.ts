/**
 * One e-mail message as SMTP's DATA carries it (RFC 5322 headers, then a
 * MIME body, RFC 2045/2046), read line by line as it streams past: the
 * header fields smtp.log reports, and the files the body holds, the way
 * Zeek's MIME analysis makes them: a multipart body's parts (split by
 * mime/multipart.ts, nested multiparts too), or the body itself when it is
 * not multipart. Base64 content is decoded before it is counted, typed and
 * hashed; quoted-printable content is typed, not hashed.
 *
 * Bounded: at most MAX_HEADER_BYTES of header text (the rest is passed
 * over and counted in `headerOverflow`), MAX_RECEIVED Received fields and
 * MAX_ADDRESSES addresses per list are kept; the body is never held.
 */
import type { HashName } from '../../files/file-hashes.js';
import { FileTransfer } from '../../files/transfer.js';
import { MAGIC_BYTES, sniffMimeType } from '../file-magic.js';
import { dispositionFileName } from '../mime/disposition.js';
import { Base64Stream } from '../mime/base64-stream.js';
import { contentTypeName, multipartBoundary, MultipartSplitter, type BodyFile } from '../mime/multipart.js';
import { logString } from '../wire-text.js';

/** Header text kept per message (all fields together). */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Received fields kept (each is a hop). */
export const MAX_RECEIVED = 32;
/** Addresses kept per To or Cc list. */
export const MAX_ADDRESSES = 100;

const CRLF = new Uint8Array([0x0d, 0x0a]);

/** What a message's header says, for smtp.log. */
export interface MessageHeaders {
  date?: string;
  from?: string;
  to: string[];
  cc: string[];
  replyTo?: string;
  msgId?: string;
  inReplyTo?: string;
  subject?: string;
  xOriginatingIp?: string;
  /** Received field values, in the message's order (the newest hop first). */
  received: string[];
  /** User-Agent, X-Mailer or X-User-Agent. */
  userAgent?: string;
}

export class MailMessage {
  readonly headers: MessageHeaders = { to: [], cc: [], received: [] };
  /** Header bytes passed over past MAX_HEADER_BYTES. */
  headerOverflow = 0;
  readonly #hashes: readonly HashName[];
  #inHeaders = true;
  #headerBytes = 0;
  /** The field being read (continuation lines fold into it). */
  #field = '';
  #contentType = '';
  #coding = '';
  #disposition = '';
  /** The body's splitter, when it is multipart. */
  #parts: MultipartSplitter | null = null;
  /** The body as one file, when it is not multipart. */
  #whole: FileTransfer | null = null;
  #base64: Base64Stream | null = null;
  #head = new Uint8Array(0);
  #headLen = 0;
  /** Whether a line of the body was cut (longer than the line reader keeps): its files lose their digests. */
  #lossy = false;
  #ts = 0;

  constructor(hashes: readonly HashName[]) {
    this.#hashes = hashes;
  }

  /**
   * One line of the message, without its line end and with SMTP's
   * dot-stuffing already undone; `truncated` when the line was longer than
   * the reader keeps; `unterminated` when it is the message's last and no
   * line end followed it (a BDAT message may end so), which adds none.
   */
  line(buf: Uint8Array, s: number, e: number, ts: number, truncated: boolean, unterminated = false): void {
    this.#ts = ts;
    if (this.#inHeaders) {
      if (e === s) {
        this.#endField();
        this.#inHeaders = false;
        this.#startBody(ts);
        return;
      }
      this.#headerLine(buf, s, e);
      return;
    }
    if (truncated) this.#lost(1);
    if (this.#parts !== null) {
      this.#parts.feed(buf, s, e - s, ts);
      if (!unterminated) this.#parts.feed(CRLF, 0, 2, ts);
    } else if (this.#whole !== null) {
      this.#content(buf, s, e);
      // A base64 body's line ends are not content; other bodies keep them.
      if (this.#base64 === null && !unterminated) this.#content(CRLF, 0, 2);
    }
  }

  /** Bytes of the message were lost: its files cannot be hashed. */
  gap(len: number): void {
    this.#lost(len);
  }

  /** The message ended (`complete`: at its terminating dot): its header (a message without a body ends it) and its files. */
  finish(complete: boolean): BodyFile[] {
    if (this.#inHeaders) {
      this.#endField();
      this.#inHeaders = false;
      return [];
    }
    if (this.#parts !== null) return this.#parts.finish(complete);
    const t = this.#whole;
    if (t === null) return [];
    const last = this.#base64?.flush() ?? null;
    if (last !== null) this.#bytes(last, 0, last.length);
    if (t.seen === 0) return [];
    const file: BodyFile = { transfer: t, complete: complete && !this.#lossy };
    const name = dispositionFileName(this.#disposition) ?? contentTypeName(this.#contentType);
    if (name !== undefined) file.fileName = name;
    const mime = this.#headLen > 0 ? sniffMimeType(this.#head, 0, this.#headLen) : undefined;
    if (mime !== undefined) file.mime = mime;
    return [file];
  }

  #headerLine(buf: Uint8Array, s: number, e: number): void {
    if (this.#headerBytes + (e - s) > MAX_HEADER_BYTES) {
      this.headerOverflow += e - s;
      return;
    }
    this.#headerBytes += e - s;
    const text = logString(buf, s, e);
    if (buf[s] === 0x20 || buf[s] === 0x09) {
      // A folded continuation of the field before (RFC 5322 section 2.2.3).
      if (this.#field !== '') this.#field += ' ' + text.trim();
      return;
    }
    this.#endField();
    this.#field = text;
  }

  #endField(): void {
    const field = this.#field;
    this.#field = '';
    const colon = field.indexOf(':');
    if (colon <= 0) return;
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    const h = this.headers;
    switch (name) {
      case 'date':
        h.date = value;
        break;
      case 'from':
        h.from = value;
        break;
      case 'to':
        addAddresses(h.to, value);
        break;
      case 'cc':
        addAddresses(h.cc, value);
        break;
      case 'reply-to':
        h.replyTo = value;
        break;
      case 'message-id':
        h.msgId = value;
        break;
      case 'in-reply-to':
        h.inReplyTo = value;
        break;
      case 'subject':
        h.subject = value;
        break;
      case 'x-originating-ip':
        h.xOriginatingIp = value.replace(/^\[|\]$/g, '');
        break;
      case 'received':
        if (h.received.length < MAX_RECEIVED) h.received.push(value);
        break;
      case 'user-agent':
      case 'x-mailer':
      case 'x-user-agent':
        h.userAgent = value;
        break;
      case 'content-type':
        this.#contentType = value;
        break;
      case 'content-transfer-encoding':
        this.#coding = value.toLowerCase();
        break;
      case 'content-disposition':
        this.#disposition = value;
        break;
      default:
        break;
    }
  }

  #startBody(ts: number): void {
    const boundary = this.#contentType.toLowerCase().startsWith('multipart/') ? multipartBoundary(this.#contentType) : undefined;
    if (boundary !== undefined) {
      this.#parts = new MultipartSplitter(boundary, this.#hashes);
      return;
    }
    // A multipart without a usable boundary is one file, not hashed: its bytes are not one file's.
    const hashed = this.#coding !== 'quoted-printable' && !this.#contentType.toLowerCase().startsWith('multipart/');
    this.#whole = new FileTransfer(ts, hashed ? this.#hashes : []);
    if (this.#coding === 'base64') this.#base64 = new Base64Stream();
    this.#head = new Uint8Array(MAGIC_BYTES);
  }

  /** Body content bytes (base64 decoded first). */
  #content(data: Uint8Array, from: number, to: number): void {
    if (this.#base64 !== null) {
      const plain = this.#base64.decode(data, from, to);
      if (plain !== null) this.#bytes(plain, 0, plain.length);
      return;
    }
    this.#bytes(data, from, to);
  }

  #bytes(data: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.#whole!.data(data, from, to - from, this.#ts);
    const room = MAGIC_BYTES - this.#headLen;
    if (room > 0) {
      const take = Math.min(room, to - from);
      this.#head.set(data.subarray(from, from + take), this.#headLen);
      this.#headLen += take;
    }
  }

  #lost(len: number): void {
    this.#lossy = true;
    if (this.#inHeaders) return;
    if (this.#parts !== null) this.#parts.gap(len);
    else this.#whole?.gap(len);
  }
}

/** The addresses of a To or Cc value, split at commas outside quotes and angle brackets, up to MAX_ADDRESSES. */
function addAddresses(into: string[], value: string): void {
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = i < value.length ? value[i] : ',';
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>' && depth > 0) depth--;
    else if (c === ',' && !quoted && depth === 0) {
      const a = value.slice(start, i).trim();
      if (a !== '' && into.length < MAX_ADDRESSES && !into.includes(a)) into.push(a);
      start = i + 1;
    }
  }
}
