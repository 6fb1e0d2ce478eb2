/**
 * Wire constants of the two capture file formats Picket reads, and the limits
 * that decide when a record length is corrupt rather than merely large.
 *
 * pcap: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
 * pcapng: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/
 */

/** pcap magic with microsecond timestamps, as read big-endian from the first 4 bytes. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
/** pcap magic with nanosecond timestamps. */
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** The above two as they read when the file was written in the other byte order. */
export const PCAP_MAGIC_MICRO_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NANO_SWAPPED = 0x4d3cb2a1;

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

/** pcapng block types (pcapng draft section 10.1). */
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
/** Obsolete Packet Block, still written by old tools. */
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_EPB = 0x00000006;

/** Section Header Block byte-order magic, as read big-endian. */
export const SHB_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const SHB_BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** Smallest block: type, total length, trailing total length. */
export const BLOCK_MIN_LEN = 12;
/** Bytes every pcapng block needs before its length is known (12 covers the SHB byte-order magic). */
export const BLOCK_HEADER_NEED = 12;
/** SHB: 12 framing + byte-order magic 4 + versions 4 + section length 8. */
export const SHB_MIN_LEN = 28;
/** IDB: 12 framing + link type 2 + reserved 2 + snaplen 4. */
export const IDB_MIN_LEN = 20;
/** EPB: 12 framing + interface 4 + timestamp 8 + caplen 4 + origlen 4. */
export const EPB_MIN_LEN = 32;
/** Obsolete PB: 12 framing + interface 2 + drops 2 + timestamp 8 + caplen 4 + origlen 4. */
export const PB_MIN_LEN = 32;
/** SPB: 12 framing + origlen 4. */
export const SPB_MIN_LEN = 16;

/** IDB option codes used here. */
export const OPT_ENDOFOPT = 0;
export const OPT_IF_TSRESOL = 9;
export const OPT_IF_TSOFFSET = 14;

/**
 * Largest caplen accepted. libpcap's MAXIMUM_SNAPLEN is 262144 and no capture
 * tool writes more; a larger value means the length field is garbage, and
 * trusting it would make us buffer (and skip) megabytes of noise.
 */
export const MAX_CAPLEN = 256 * 1024;

/**
 * Largest pcapng block that is parsed (SHB, IDB, packet blocks) and therefore
 * held whole in memory: a maximal packet plus generous room for options
 * (comments, hashes). Anything longer is a corrupt length.
 */
export const MAX_PARSED_BLOCK_LEN = MAX_CAPLEN + 64 * 1024;

/**
 * Largest block that is skipped without being parsed (NRB, ISB, DSB, custom).
 * These are skipped by counting bytes, never buffered, so the bound only
 * serves to call an absurd length corrupt: a Decryption Secrets Block with
 * a large TLS key log can legitimately reach megabytes.
 */
export const MAX_SKIPPED_BLOCK_LEN = 64 * 1024 * 1024;

/**
 * Interfaces per pcapng section. Each IDB costs a few numbers; the bound stops
 * a hostile file made of millions of tiny IDBs from growing memory.
 */
export const MAX_INTERFACES_PER_SECTION = 4096;

/** Reasons a stream stops being read (CaptureStats.truncated[].reason). */
export const TRUNCATION_EOF_IN_FILE_HEADER = 'eof_in_file_header';
export const TRUNCATION_EOF_IN_RECORD_HEADER = 'eof_in_record_header';
export const TRUNCATION_EOF_IN_RECORD = 'eof_in_record';
export const TRUNCATION_CAPLEN_TOO_LARGE = 'caplen_too_large';
export const TRUNCATION_BLOCK_LEN_INVALID = 'block_length_invalid';
export const TRUNCATION_BLOCK_LEN_TOO_LARGE = 'block_length_too_large';
export const TRUNCATION_BLOCK_TRAILER_MISMATCH = 'block_trailer_mismatch';
export const TRUNCATION_BAD_BYTE_ORDER_MAGIC = 'bad_byte_order_magic';

/** Reasons a single record is skipped while reading continues (CaptureStats.skipped keys). */
export const SKIP_UNKNOWN_INTERFACE = 'unknown_interface';
export const SKIP_CAPLEN_EXCEEDS_BLOCK = 'caplen_exceeds_block';
export const SKIP_CAPLEN_TOO_LARGE = 'caplen_too_large';
export const SKIP_BLOCK_TOO_SHORT = 'block_too_short';
export const SKIP_TOO_MANY_INTERFACES = 'too_many_interfaces';
export const SKIP_BAD_IDB_OPTION = 'bad_idb_option';
export const SKIP_PACKET_BEFORE_SECTION = 'packet_before_section';
