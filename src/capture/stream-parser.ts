/**
 * Push parser for pcap and pcapng byte streams: feed it chunks as they arrive
 * (from a file, standard input or tcpdump's stdout) and it calls the packet
 * handler synchronously for every packet, reusing one RawPacket.
 *
 * Records that lie inside one chunk are delivered as views into that chunk
 * (no copy). Only a record split across two chunks is joined, in a reusable
 * buffer that grows to the largest such record. Blocks the reader does not
 * need (pcapng NRB, ISB, DSB, custom) are skipped by counting bytes, so they
 * are never buffered whatever their size.
 *
 * Bad content after the file header never throws: a corrupt length or an
 * early end stops this stream and is recorded in stats.truncated with the
 * offset of the bad record; a record that can be stepped over is counted in
 * stats.skipped. An unrecognised magic sets `formatError` for the caller.
 */
import type { PacketHandler, RawPacket } from './packet.js';
import { countSkipped, type CaptureStats } from './stats.js';
import {
  BLOCK_EPB, BLOCK_HEADER_NEED, BLOCK_IDB, BLOCK_MIN_LEN, BLOCK_PB, BLOCK_SHB, BLOCK_SPB, EPB_MIN_LEN,
  IDB_MIN_LEN, MAX_CAPLEN, MAX_INTERFACES_PER_SECTION, MAX_PARSED_BLOCK_LEN, MAX_SKIPPED_BLOCK_LEN,
  OPT_ENDOFOPT, OPT_IF_TSOFFSET, OPT_IF_TSRESOL, PB_MIN_LEN, PCAP_FILE_HEADER_LEN, PCAP_MAGIC_MICRO,
  PCAP_MAGIC_MICRO_SWAPPED, PCAP_MAGIC_NANO, PCAP_MAGIC_NANO_SWAPPED, PCAP_RECORD_HEADER_LEN,
  SHB_BYTE_ORDER_MAGIC, SHB_BYTE_ORDER_MAGIC_SWAPPED, SHB_MIN_LEN, SKIP_BAD_IDB_OPTION,
  SKIP_BLOCK_TOO_SHORT, SKIP_CAPLEN_EXCEEDS_BLOCK, SKIP_CAPLEN_TOO_LARGE, SKIP_PACKET_BEFORE_SECTION,
  SKIP_TOO_MANY_INTERFACES, SKIP_UNKNOWN_INTERFACE, SPB_MIN_LEN, TRUNCATION_BAD_BYTE_ORDER_MAGIC,
  TRUNCATION_BLOCK_LEN_INVALID, TRUNCATION_BLOCK_LEN_TOO_LARGE, TRUNCATION_BLOCK_TRAILER_MISMATCH,
  TRUNCATION_CAPLEN_TOO_LARGE, TRUNCATION_EOF_IN_FILE_HEADER, TRUNCATION_EOF_IN_RECORD,
  TRUNCATION_EOF_IN_RECORD_HEADER,
} from './formats.js';
import { defaultTickScale, setPacketTicks, tickScaleFromTsresol, type TickScale } from './timestamp.js';

/** What the parser expects next. */
const STATE_MAGIC = 0;
const STATE_PCAP_FILE_HEADER = 1;
const STATE_PCAP_RECORDS = 2;
const STATE_PCAPNG_BLOCKS = 3;

/** Bytes needed to recognise the format. */
const MAGIC_LEN = 4;
/** First size of the join buffer; it grows by doubling to the largest split record. */
const INITIAL_JOIN_BUFFER = 64 * 1024;

/** recordLength() results that are not lengths. */
const LEN_CORRUPT = -1;
const LEN_STATE_CHANGED = 0;

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}
function u32be(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export class CaptureStreamParser {
  /** Set when the magic is neither pcap nor pcapng; the stream was not read further. */
  formatError: string | undefined = undefined;
  /** True once this stream must not be read further (format error, corrupt length, end). */
  finished = false;
  /** Total bytes pushed so far. */
  bytesSeen = 0;
  /** "pcap" or "pcapng" once recognised. */
  format: 'pcap' | 'pcapng' | undefined = undefined;

  readonly #name: string;
  readonly #stats: CaptureStats;
  readonly #pkt: RawPacket;
  readonly #onPacket: PacketHandler;

  #state = STATE_MAGIC;
  #le = true;
  #stopped = false;

  // pcap file state
  #pcapNano = false;
  #pcapLinkType = 0;

  // pcapng section state: one entry per IDB, in order
  #inSection = false;
  readonly #ifLinkType: number[] = [];
  readonly #ifSnaplen: number[] = [];
  readonly #ifScale: TickScale[] = [];

  /** Stream offset of the first byte of the chunk being parsed. */
  #base = 0;
  /** Join buffer holding the prefix of one record split across chunks. */
  #join: Uint8Array = new Uint8Array(INITIAL_JOIN_BUFFER);
  #joinLen = 0;
  #joinStart = 0;
  /** Bytes of an unparsed pcapng block still to skip, and where that block started. */
  #skip = 0;
  #skipStart = 0;

  constructor(name: string, stats: CaptureStats, pkt: RawPacket, onPacket: PacketHandler) {
    this.#name = name;
    this.#stats = stats;
    this.#pkt = pkt;
    this.#onPacket = onPacket;
  }

  /** Stops delivering packets, even in the middle of a chunk. */
  stop(): void {
    this.#stopped = true;
    this.finished = true;
  }

  /** Parses one chunk. The chunk must stay unchanged until push returns (packets are views into it). */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    this.bytesSeen += n;
    if (this.finished) return;
    let pos = 0;
    if (this.#skip > 0) {
      const take = this.#skip < n ? this.#skip : n;
      this.#skip -= take;
      pos = take;
    }
    if (this.#joinLen > 0) {
      pos = this.#completeJoined(chunk, pos);
      if (pos < 0) {
        this.#base += n;
        return;
      }
      if (this.#skip > 0) {
        const take = this.#skip < n - pos ? this.#skip : n - pos;
        this.#skip -= take;
        pos += take;
      }
    }
    while (!this.finished) {
      if (this.#state === STATE_PCAP_RECORDS) {
        // Nearly every byte of a pcap file goes through this one tight loop;
        // it stops at a record that continues in the next chunk.
        pos = this.#pcapRecords(chunk, pos, n);
        break;
      }
      const avail = n - pos;
      if (avail < this.#headerNeed()) break;
      const len = this.#recordLength(chunk, pos, this.#base + pos);
      if (len === LEN_STATE_CHANGED) continue;
      if (len === LEN_CORRUPT) break;
      if (len > avail) {
        if (this.#isSkippedBlock(chunk, pos)) {
          this.#skipStart = this.#base + pos;
          this.#skip = len - avail;
          pos = n;
        }
        break;
      }
      this.#processRecord(chunk, pos, len, this.#base + pos);
      pos += len;
    }
    if (!this.finished && pos < n) {
      this.#joinStart = this.#base + pos;
      this.#append(chunk, pos, n - pos);
    }
    this.#base += n;
  }

  /**
   * Delivers the whole pcap records in `b[pos, n)`; returns the position of
   * the first record that is incomplete (or where reading stopped). Same
   * checks and fields as #recordLength + #processRecord, without a method
   * call or a byte-order test per field.
   */
  #pcapRecords(b: Uint8Array, start: number, n: number): number {
    const pkt = this.#pkt;
    const stats = this.#stats;
    const onPacket = this.#onPacket;
    const le = this.#le;
    const nano = this.#pcapNano;
    const linkType = this.#pcapLinkType;
    const base = this.#base;
    let pos = start;
    while (n - pos >= PCAP_RECORD_HEADER_LEN) {
      const caplen = le ? u32le(b, pos + 8) : u32be(b, pos + 8);
      if (caplen > MAX_CAPLEN) {
        this.#truncate(base + pos, TRUNCATION_CAPLEN_TOO_LARGE);
        return pos;
      }
      const len = PCAP_RECORD_HEADER_LEN + caplen;
      if (len > n - pos) return pos;
      const sec = le ? u32le(b, pos) : u32be(b, pos);
      const frac = le ? u32le(b, pos + 4) : u32be(b, pos + 4);
      pkt.tsSec = sec;
      if (nano) {
        pkt.tsNsec = frac;
        pkt.ts = sec + frac / 1e9;
      } else {
        pkt.tsNsec = frac * 1000;
        pkt.ts = sec + frac / 1e6;
      }
      pkt.data = b;
      pkt.offset = pos + PCAP_RECORD_HEADER_LEN;
      pkt.caplen = caplen;
      pkt.origLen = le ? u32le(b, pos + 12) : u32be(b, pos + 12);
      pkt.linkType = linkType;
      pkt.interfaceId = 0;
      pkt.streamOffset = base + pos;
      stats.packets++;
      stats.bytes += caplen;
      onPacket(pkt);
      pos += len;
      if (this.#stopped) {
        this.finished = true;
        return pos;
      }
    }
    return pos;
  }

  /** Call at the end of the stream: records a record cut short as truncation. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.#state === STATE_MAGIC) {
      this.formatError = this.#joinLen === 0
        ? `${this.#name}: empty stream, not a pcap or pcapng file`
        : `${this.#name}: too short to be a pcap or pcapng file (${this.#joinLen} bytes)`;
      return;
    }
    if (this.#skip > 0) {
      this.#truncate(this.#skipStart, TRUNCATION_EOF_IN_RECORD);
    } else if (this.#joinLen > 0) {
      const reason = this.#state === STATE_PCAP_FILE_HEADER
        ? TRUNCATION_EOF_IN_FILE_HEADER
        : this.#joinLen < this.#headerNeed() ? TRUNCATION_EOF_IN_RECORD_HEADER : TRUNCATION_EOF_IN_RECORD;
      this.#truncate(this.#joinStart, reason);
    }
  }

  /**
   * Continues the record whose prefix sits in the join buffer. Returns the
   * position in `chunk` after the bytes it used, or -1 when the chunk was
   * used up (or reading stopped) before the record was complete.
   */
  #completeJoined(chunk: Uint8Array, start: number): number {
    let pos = start;
    const n = chunk.length;
    for (;;) {
      const need = this.#headerNeed();
      if (this.#joinLen < need) {
        const want = need - this.#joinLen;
        const take = want < n - pos ? want : n - pos;
        this.#append(chunk, pos, take);
        pos += take;
        if (this.#joinLen < need) return -1;
      }
      const len = this.#recordLength(this.#join, 0, this.#joinStart);
      if (len === LEN_CORRUPT) return -1;
      // The magic was just recognised: the joined bytes are still the start
      // of the first record, whose header size is now known.
      if (len === LEN_STATE_CHANGED) continue;
      if (len > this.#joinLen && this.#isSkippedBlock(this.#join, 0)) {
        this.#skipStart = this.#joinStart;
        this.#skip = len - this.#joinLen;
        this.#joinLen = 0;
        return pos;
      }
      const want = len - this.#joinLen;
      const take = want < n - pos ? want : n - pos;
      this.#append(chunk, pos, take);
      pos += take;
      if (this.#joinLen < len) return -1;
      this.#joinLen = 0;
      this.#processRecord(this.#join, 0, len, this.#joinStart);
      return this.finished ? -1 : pos;
    }
  }

  #append(src: Uint8Array, off: number, len: number): void {
    const need = this.#joinLen + len;
    if (need > this.#join.length) {
      let size = this.#join.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#join.subarray(0, this.#joinLen));
      this.#join = grown;
    }
    this.#join.set(src.subarray(off, off + len), this.#joinLen);
    this.#joinLen = need;
  }

  #headerNeed(): number {
    switch (this.#state) {
      case STATE_PCAP_RECORDS: return PCAP_RECORD_HEADER_LEN;
      case STATE_PCAPNG_BLOCKS: return BLOCK_HEADER_NEED;
      case STATE_PCAP_FILE_HEADER: return PCAP_FILE_HEADER_LEN;
      default: return MAGIC_LEN;
    }
  }

  #u32(b: Uint8Array, o: number): number {
    return this.#le ? u32le(b, o) : u32be(b, o);
  }

  #u16(b: Uint8Array, o: number): number {
    return this.#le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
  }

  /**
   * Length of the record starting at `off` (its header is available), or
   * LEN_CORRUPT (stream finished, truncation recorded), or LEN_STATE_CHANGED
   * after the magic was recognised.
   */
  #recordLength(b: Uint8Array, off: number, streamOffset: number): number {
    if (this.#state === STATE_PCAP_RECORDS) {
      const caplen = this.#u32(b, off + 8);
      if (caplen > MAX_CAPLEN) {
        this.#truncate(streamOffset, TRUNCATION_CAPLEN_TOO_LARGE);
        return LEN_CORRUPT;
      }
      return PCAP_RECORD_HEADER_LEN + caplen;
    }
    if (this.#state === STATE_PCAPNG_BLOCKS) {
      const type = u32be(b, off);
      if (type === BLOCK_SHB) {
        // A new section may switch byte order: the SHB's own length can only
        // be read after its byte-order magic.
        const bom = u32be(b, off + 8);
        if (bom === SHB_BYTE_ORDER_MAGIC) this.#le = false;
        else if (bom === SHB_BYTE_ORDER_MAGIC_SWAPPED) this.#le = true;
        else {
          this.#truncate(streamOffset, TRUNCATION_BAD_BYTE_ORDER_MAGIC);
          return LEN_CORRUPT;
        }
      }
      const len = this.#u32(b, off + 4);
      if (len < BLOCK_MIN_LEN || (len & 3) !== 0 || (type === BLOCK_SHB && len < SHB_MIN_LEN)) {
        this.#truncate(streamOffset, TRUNCATION_BLOCK_LEN_INVALID);
        return LEN_CORRUPT;
      }
      const max = this.#isSkippedBlock(b, off) ? MAX_SKIPPED_BLOCK_LEN : MAX_PARSED_BLOCK_LEN;
      if (len > max) {
        this.#truncate(streamOffset, TRUNCATION_BLOCK_LEN_TOO_LARGE);
        return LEN_CORRUPT;
      }
      return len;
    }
    if (this.#state === STATE_PCAP_FILE_HEADER) return PCAP_FILE_HEADER_LEN;
    return this.#detect(b, off);
  }

  #detect(b: Uint8Array, off: number): number {
    const magic = u32be(b, off);
    if (magic === PCAP_MAGIC_MICRO || magic === PCAP_MAGIC_NANO) {
      this.#le = false;
    } else if (magic === PCAP_MAGIC_MICRO_SWAPPED || magic === PCAP_MAGIC_NANO_SWAPPED) {
      this.#le = true;
    } else if (magic === BLOCK_SHB) {
      this.format = 'pcapng';
      this.#state = STATE_PCAPNG_BLOCKS;
      return LEN_STATE_CHANGED;
    } else {
      let hex = '';
      for (let i = 0; i < MAGIC_LEN; i++) hex += (i > 0 ? ' ' : '') + b[off + i]!.toString(16).padStart(2, '0');
      this.formatError = `${this.#name}: not a pcap or pcapng file (first bytes ${hex})`;
      this.finished = true;
      return LEN_CORRUPT;
    }
    this.#pcapNano = magic === PCAP_MAGIC_NANO || magic === PCAP_MAGIC_NANO_SWAPPED;
    this.format = 'pcap';
    this.#state = STATE_PCAP_FILE_HEADER;
    return LEN_STATE_CHANGED;
  }

  /** pcapng blocks the reader steps over without looking inside. */
  #isSkippedBlock(b: Uint8Array, off: number): boolean {
    if (this.#state !== STATE_PCAPNG_BLOCKS) return false;
    const type = u32be(b, off);
    if (type === BLOCK_SHB) return false;
    const t = this.#le ? u32le(b, off) : type;
    return t !== BLOCK_EPB && t !== BLOCK_IDB && t !== BLOCK_SPB && t !== BLOCK_PB;
  }

  #truncate(offset: number, reason: string): void {
    this.#stats.truncated.push({ file: this.#name, offset, reason });
    this.finished = true;
  }

  #processRecord(b: Uint8Array, off: number, len: number, streamOffset: number): void {
    if (this.#state === STATE_PCAP_RECORDS) {
      const pkt = this.#pkt;
      const sec = this.#u32(b, off);
      const frac = this.#u32(b, off + 4);
      pkt.tsSec = sec;
      if (this.#pcapNano) {
        pkt.tsNsec = frac;
        pkt.ts = sec + frac / 1e9;
      } else {
        pkt.tsNsec = frac * 1000;
        pkt.ts = sec + frac / 1e6;
      }
      this.#deliver(b, off + PCAP_RECORD_HEADER_LEN, len - PCAP_RECORD_HEADER_LEN, this.#u32(b, off + 12),
        this.#pcapLinkType, 0, streamOffset);
      return;
    }
    if (this.#state === STATE_PCAPNG_BLOCKS) {
      this.#processBlock(b, off, len, streamOffset);
      return;
    }
    // STATE_PCAP_FILE_HEADER: link type is the low 16 bits; the upper bits
    // carry FCS information (pcap draft, LinkType and additional information).
    this.#pcapLinkType = this.#u32(b, off + 20) & 0xffff;
    this.#state = STATE_PCAP_RECORDS;
  }

  #deliver(b: Uint8Array, dataOff: number, caplen: number, origLen: number, linkType: number,
    interfaceId: number, streamOffset: number): void {
    const pkt = this.#pkt;
    pkt.data = b;
    pkt.offset = dataOff;
    pkt.caplen = caplen;
    pkt.origLen = origLen;
    pkt.linkType = linkType;
    pkt.interfaceId = interfaceId;
    pkt.streamOffset = streamOffset;
    const stats = this.#stats;
    stats.packets++;
    stats.bytes += caplen;
    this.#onPacket(pkt);
    if (this.#stopped) this.finished = true;
  }

  #processBlock(b: Uint8Array, off: number, len: number, streamOffset: number): void {
    const type = this.#u32(b, off);
    if (type !== BLOCK_SHB && this.#u32(b, off + len - 4) !== len) {
      // Parsed blocks only (skipped ones never reach here): a trailer that
      // disagrees with the header means we have lost the block framing.
      this.#truncate(streamOffset, TRUNCATION_BLOCK_TRAILER_MISMATCH);
      return;
    }
    switch (type) {
      case BLOCK_EPB: this.#onEpb(b, off, len, streamOffset); return;
      case BLOCK_SPB: this.#onSpb(b, off, len, streamOffset); return;
      case BLOCK_PB: this.#onPb(b, off, len, streamOffset); return;
      case BLOCK_IDB: this.#onIdb(b, off, len); return;
      case BLOCK_SHB:
        if (this.#u32(b, off + len - 4) !== len) {
          this.#truncate(streamOffset, TRUNCATION_BLOCK_TRAILER_MISMATCH);
          return;
        }
        this.#inSection = true;
        this.#ifLinkType.length = 0;
        this.#ifSnaplen.length = 0;
        this.#ifScale.length = 0;
        return;
      default: return;
    }
  }

  #onIdb(b: Uint8Array, off: number, len: number): void {
    if (len < IDB_MIN_LEN) { countSkipped(this.#stats, SKIP_BLOCK_TOO_SHORT); return; }
    if (this.#ifLinkType.length >= MAX_INTERFACES_PER_SECTION) {
      countSkipped(this.#stats, SKIP_TOO_MANY_INTERFACES);
      return;
    }
    let tsresol = -1;
    let offsetSec = 0;
    let o = off + 16;
    const end = off + len - 4;
    while (o + 4 <= end) {
      const code = this.#u16(b, o);
      const olen = this.#u16(b, o + 2);
      if (code === OPT_ENDOFOPT) break;
      if (o + 4 + olen > end) { countSkipped(this.#stats, SKIP_BAD_IDB_OPTION); break; }
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = b[o + 4]!;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        // int64 seconds; only the sign of the high word needs care.
        const hi = this.#le ? this.#u32(b, o + 8) | 0 : this.#u32(b, o + 4) | 0;
        const lo = this.#le ? this.#u32(b, o + 4) : this.#u32(b, o + 8);
        offsetSec = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    let scale: TickScale | undefined = defaultTickScale();
    if (tsresol >= 0) {
      scale = tickScaleFromTsresol(tsresol);
      if (scale === undefined) {
        countSkipped(this.#stats, SKIP_BAD_IDB_OPTION);
        scale = defaultTickScale();
      }
    }
    scale.offsetSec = offsetSec;
    this.#ifLinkType.push(this.#u16(b, off + 8));
    this.#ifSnaplen.push(this.#u32(b, off + 12));
    this.#ifScale.push(scale);
  }

  /** Checks the interface a packet block names; counts and returns false when unusable. */
  #knownInterface(ifId: number): boolean {
    if (ifId < this.#ifLinkType.length) return true;
    countSkipped(this.#stats, this.#inSection ? SKIP_UNKNOWN_INTERFACE : SKIP_PACKET_BEFORE_SECTION);
    return false;
  }

  #onEpb(b: Uint8Array, off: number, len: number, streamOffset: number): void {
    if (len < EPB_MIN_LEN) { countSkipped(this.#stats, SKIP_BLOCK_TOO_SHORT); return; }
    const ifId = this.#u32(b, off + 8);
    if (!this.#knownInterface(ifId)) return;
    const caplen = this.#u32(b, off + 20);
    if (caplen > len - EPB_MIN_LEN) { countSkipped(this.#stats, SKIP_CAPLEN_EXCEEDS_BLOCK); return; }
    if (caplen > MAX_CAPLEN) { countSkipped(this.#stats, SKIP_CAPLEN_TOO_LARGE); return; }
    setPacketTicks(this.#pkt, this.#u32(b, off + 12), this.#u32(b, off + 16), this.#ifScale[ifId]!);
    this.#deliver(b, off + 28, caplen, this.#u32(b, off + 24), this.#ifLinkType[ifId]!, ifId, streamOffset);
  }

  #onPb(b: Uint8Array, off: number, len: number, streamOffset: number): void {
    if (len < PB_MIN_LEN) { countSkipped(this.#stats, SKIP_BLOCK_TOO_SHORT); return; }
    const ifId = this.#u16(b, off + 8);
    if (!this.#knownInterface(ifId)) return;
    const caplen = this.#u32(b, off + 20);
    if (caplen > len - PB_MIN_LEN) { countSkipped(this.#stats, SKIP_CAPLEN_EXCEEDS_BLOCK); return; }
    if (caplen > MAX_CAPLEN) { countSkipped(this.#stats, SKIP_CAPLEN_TOO_LARGE); return; }
    setPacketTicks(this.#pkt, this.#u32(b, off + 12), this.#u32(b, off + 16), this.#ifScale[ifId]!);
    this.#deliver(b, off + 28, caplen, this.#u32(b, off + 24), this.#ifLinkType[ifId]!, ifId, streamOffset);
  }

  /**
   * Simple Packet Block: always interface 0 and no timestamp. The packet keeps
   * the previous packet's timestamp so time never jumps back to the epoch in
   * flow timers. caplen = min(origlen, snaplen, room in the block).
   */
  #onSpb(b: Uint8Array, off: number, len: number, streamOffset: number): void {
    if (len < SPB_MIN_LEN) { countSkipped(this.#stats, SKIP_BLOCK_TOO_SHORT); return; }
    if (!this.#knownInterface(0)) return;
    const origLen = this.#u32(b, off + 8);
    let caplen = len - SPB_MIN_LEN;
    if (origLen < caplen) caplen = origLen;
    const snaplen = this.#ifSnaplen[0]!;
    if (snaplen !== 0 && snaplen < caplen) caplen = snaplen;
    if (caplen > MAX_CAPLEN) { countSkipped(this.#stats, SKIP_CAPLEN_TOO_LARGE); return; }
    this.#deliver(b, off + 12, caplen, origLen, this.#ifLinkType[0]!, 0, streamOffset);
  }
}
