/**
 * The sample packets of RFC 9001 appendix A (QUIC version 1): the
 * client's CRYPTO frame (a ClientHello for example.com), the server's
 * protected Initial packet, and the client's Initial rebuilt from its
 * frames with the test packet builder.
 */
import { QUIC_V1, versionProfile } from '../../../src/protocols/quic/consts.js';
import { deriveInitialKeys } from '../../../src/protocols/quic/initial-protection.js';
import { hex } from '../../helpers/bytes.js';
import { padded, protectLongPacket } from './protect.js';

/** The client's first Destination Connection ID in every sample. */
export const RFC_DCID = hex('8394c8f03e515708');

/** RFC 9001 A.2: the client's CRYPTO frame (a ClientHello for example.com). */
export const RFC_CLIENT_CRYPTO = hex(
  '060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868' +
    '04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578' +
    '616d706c652e636f6dff01000100000a00080006001d00170018001000070005' +
    '04616c706e000500050100000000003300260024001d00209370b2c9caa47fba' +
    'baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400' +
    '0d0010000e0403050306030203080408050806002d00020101001c0002400100' +
    '3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000' +
    '75300901100f088394c8f03e51570806048000ffff',
);

/** RFC 9001 A.3: the server's Initial packet (ACK and a CRYPTO frame with the ServerHello), protected. */
export const RFC_SERVER_INITIAL = hex(
  'cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a' +
    '5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3' +
    'dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84' +
    '022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4' +
    '2158407dd074ee',
);

/** RFC 9001 A.3: the server's Initial packet with its protection removed. */
export const RFC_SERVER_PAYLOAD =
  '02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739' +
  '88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94' +
  '0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00' +
  '020304';

/** RFC 9001 A.2's client Initial: packet number 2 in 4 bytes, 1162 bytes of frames. */
export function rfcClientInitial(): Uint8Array {
  const keys = deriveInitialKeys(versionProfile(QUIC_V1)!, RFC_DCID).client;
  return protectLongPacket({
    typeBits: 0,
    version: QUIC_V1,
    dcid: RFC_DCID,
    scid: new Uint8Array(0),
    packetNumber: 2,
    pnLength: 4,
    payload: padded(1162, RFC_CLIENT_CRYPTO),
    keys,
    lengthSize: 2,
  });
}
