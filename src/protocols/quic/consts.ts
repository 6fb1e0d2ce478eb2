/**
 * QUIC wire values (RFC 9000, RFC 9001, RFC 9369 for version 2), the
 * quic.log version names and history letters (Zeek's), anomaly codes and
 * the bounds on per-flow state.
 */

/** UDP ports offered to the QUIC analyzer first: HTTP/3 and DNS over QUIC (RFC 9250; 784 was its early port). */
export const QUIC_PORTS = [443, 784, 853] as const;

/** A client's datagram carrying an Initial packet is at least this long (RFC 9000 section 14.1). */
export const MIN_CLIENT_INITIAL_DATAGRAM = 1200;
/** Longest connection ID of any version (RFC 8999 allows 255; versions 1 and 2 allow 20). */
export const MAX_CID_LENGTH = 20;
/** Bytes of CRYPTO data kept per direction: a ClientHello with post-quantum key shares is about 2 KB; ServerHello under 200 bytes. */
export const MAX_CRYPTO_BYTES = 16384;
/** Separate CRYPTO fragments kept per direction before the stream is given up (Chrome scatters one ClientHello into about ten). */
export const MAX_CRYPTO_FRAGMENTS = 64;
/** Longest history kept (Zeek's QUIC::max_history_length). */
export const MAX_HISTORY = 100;
/**
 * 1-RTT (short header) packets counted per direction after the handshake:
 * the history gets an `O` at 1, 2, 4 and 8 of them, then the analyzer stops
 * reading the flow (a video stream sends millions; nothing in them is readable).
 */
export const MAX_SHORT_PACKETS = 8;
/** Initial packets whose protection could not be removed before the flow is taken for something else. */
export const MAX_UNREADABLE_INITIALS = 4;

/** Header protection sample length (RFC 9001 section 5.4.2). */
export const HP_SAMPLE_LENGTH = 16;
/** AEAD_AES_128_GCM tag length. */
export const AEAD_TAG_LENGTH = 16;

/** Long-header packet kinds, independent of the version's type numbering. */
export const PacketKind = {
  INITIAL: 0,
  ZERO_RTT: 1,
  HANDSHAKE: 2,
  RETRY: 3,
} as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

/** Frame types an Initial packet may carry (RFC 9000 section 12.4, table 3). */
export const FrameType = {
  PADDING: 0x00,
  PING: 0x01,
  ACK: 0x02,
  ACK_ECN: 0x03,
  CRYPTO: 0x06,
  CONNECTION_CLOSE: 0x1c,
  CONNECTION_CLOSE_APP: 0x1d,
} as const;

/** TLS handshake header: type (1) and length (3). */
export const HANDSHAKE_HEADER = 4;

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;

/** How one version protects and numbers its Initial packets. */
export interface VersionProfile {
  /** quic.log's `version` value. */
  name: string;
  /** initial_salt (hex). */
  salt: string;
  /** HKDF labels for the packet protection key, IV and header protection key. */
  keyLabel: string;
  ivLabel: string;
  hpLabel: string;
  /** Long-header type field value (bits 4-5 of the first byte) of each PacketKind. */
  types: readonly [initial: number, zeroRtt: number, handshake: number, retry: number];
}

const V1_TYPES = [0, 1, 2, 3] as const;
/** RFC 9369 section 3.2: version 2 renumbers the long-header types. */
const V2_TYPES = [1, 2, 3, 0] as const;
const SALT_V1 = '38762cf7f55934b34d179ae6a4c80cadccbb7f0a';
const SALT_V2 = '0dede3def700a6db819381be6e269dcbf9bd2ed9';
/** Drafts 29 to 32 (and 33, 34) of the QUIC-TLS draft. */
const SALT_DRAFT_29 = 'afbfec289993d24c9e9786f19c6111e04390a899';
/** Drafts 23 to 28. */
const SALT_DRAFT_23 = 'c3eef712c72ebb5a11a7d2432bb46365bef9f502';

function v1Like(name: string, salt: string): VersionProfile {
  return { name, salt, keyLabel: 'quic key', ivLabel: 'quic iv', hpLabel: 'quic hp', types: V1_TYPES };
}

/** The versions whose Initial packets Picket can read, by version number. */
export function versionProfile(version: number): VersionProfile | undefined {
  if (version === QUIC_V1) return V1;
  if (version === QUIC_V2) return V2;
  if (version >>> 8 === 0xff0000) {
    const draft = version & 0xff;
    if (draft >= 29 && draft <= 34) return v1Like(`draft-${draft}`, SALT_DRAFT_29);
    if (draft >= 23 && draft <= 28) return v1Like(`draft-${draft}`, SALT_DRAFT_23);
  }
  return undefined;
}

const V1 = v1Like('1', SALT_V1);
const V2: VersionProfile = {
  name: 'quicv2',
  salt: SALT_V2,
  keyLabel: 'quicv2 key',
  ivLabel: 'quicv2 iv',
  hpLabel: 'quicv2 hp',
  types: V2_TYPES,
};

/**
 * quic.log's name of a version Picket cannot read: an IETF draft
 * ("draft-20"), Google QUIC (its four ASCII characters, e.g. "Q050"), or
 * "unknown-<hex>".
 */
export function versionName(version: number): string {
  const known = versionProfile(version);
  if (known !== undefined) return known.name;
  if (version >>> 8 === 0xff0000) return `draft-${version & 0xff}`;
  const c0 = version >>> 24;
  if (c0 === 0x51 || c0 === 0x54) {
    // Google QUIC: 'Q' or 'T' and three digits.
    const digits = [(version >>> 16) & 0xff, (version >>> 8) & 0xff, version & 0xff];
    if (digits.every((d) => d >= 0x30 && d <= 0x39)) return String.fromCharCode(c0, ...digits);
  }
  return `unknown-${version.toString(16)}`;
}

/** History letters (Zeek's); upper case when the client sent the packet. */
export const History = {
  INITIAL: 'I',
  HANDSHAKE: 'H',
  ZERO_RTT: 'Z',
  RETRY: 'R',
  CONNECTION_CLOSE: 'C',
  HELLO: 'S',
  UNFAMILIAR_VERSION: 'U',
  /** A packet that failed protection removal after Initial packets of this connection were read. */
  DISCARDED: 'X',
  /** 1-RTT packets, at the 1st, 2nd, 4th and 8th. */
  SHORT: 'O',
  /** Version Negotiation from the server (Picket's addition). */
  VERSION_NEGOTIATION: 'V',
} as const;

export const QuicAnomaly = {
  /** A long header whose fields overrun the datagram. */
  TRUNCATED_PACKET: 'quic_truncated_packet',
  /** Packet protection did not come off (not QUIC, corrupted, or keys from a DCID we did not see). */
  DECRYPT_FAILED: 'quic_decrypt_failed',
  /** A frame an Initial packet may not carry, or one that overruns the packet. */
  BAD_FRAME: 'quic_bad_frame',
  /** CRYPTO data beyond MAX_CRYPTO_BYTES or too scattered: the hello is not read. */
  CRYPTO_LIMIT: 'quic_crypto_limit',
  /** The CRYPTO stream does not start with the hello expected. */
  UNEXPECTED_HANDSHAKE: 'quic_unexpected_handshake',
} as const;
