/**
 * What a Netlogon secure-channel setup asks for ([MS-NRPC] 3.5.4.4), read
 * from its NDR 2.0 or NDR64 stub (ndr.ts):
 * - NetrServerAuthenticate (opnum 5), NetrServerAuthenticate2 (15) and
 *   NetrServerAuthenticate3 (26): the account (`DC01$`), the computer name
 *   and the client credential, 8 bytes computed from the session key;
 * - NetrServerPasswordSet2 (30): the account, the computer name, the
 *   authenticator's credential, and whether the new password blob
 *   (NL_TRUST_PASSWORD, 516 bytes, encrypted with the session key) is all
 *   zeros.
 * These calls travel in clear (Netlogon's own credentials protect them,
 * not RPC authentication). Zerologon (CVE-2020-1472) sends
 * NetrServerAuthenticate* with an all-zero credential until the server,
 * once in 256 tries on average, accepts it, then sets the account's
 * password to empty with NetrServerPasswordSet2 and a zeroed blob.
 * Text comes back raw (request-details.ts makes it log text).
 */
import type { DceRpcCallDetails } from './events.js';
import { MAX_STUB_NAME } from './consts.js';
import type { NdrReader } from './ndr.js';

export const NETLOGON_UUID = '12345678-1234-abcd-ef00-01234567cffb';
export const AUTHENTICATE_OPNUMS: readonly number[] = [5, 15, 26];
export const PASSWORD_SET2_OPNUM = 30;

/** Characters a server, account or computer name may announce. */
const MAX_NAME_UNITS = 1024;
/** NETLOGON_CREDENTIAL: 8 bytes. */
const CREDENTIAL_BYTES = 8;
/** NL_TRUST_PASSWORD: 512 bytes of buffer and a 4-byte length. */
const TRUST_PASSWORD_BYTES = 516;

/** The parameters the secure-channel calls start with; undefined when cut. */
function channelHead(r: NdrReader): { account: string; computer: string } | undefined {
  r.uniqueString(true, MAX_NAME_UNITS, 0); // PrimaryName, the server
  const account = r.wideString(MAX_NAME_UNITS, MAX_STUB_NAME);
  // SecureChannelType, an enum: 2 bytes in NDR 2.0, 4 in NDR64.
  if (r.pointerSize === 8) r.u32();
  else r.u16();
  const computer = r.wideString(MAX_NAME_UNITS, MAX_STUB_NAME);
  if (!r.ok || account === undefined || computer === undefined) return undefined;
  return { account, computer };
}

/** `n` bytes as lower-case hex; undefined when they are not all there. */
function hexBytes(r: NdrReader, n: number): string | undefined {
  let text = '';
  for (let i = 0; i < n; i++) text += r.u8().toString(16).padStart(2, '0');
  return r.ok ? text : undefined;
}

/** NetrServerAuthenticate(2|3): the account, the computer name, the client credential as hex. */
export function authenticateDetails(r: NdrReader): DceRpcCallDetails | undefined {
  const head = channelHead(r);
  if (head === undefined) return undefined;
  const credential = hexBytes(r, CREDENTIAL_BYTES);
  if (credential === undefined) return undefined;
  return { user: head.account, computer_name: head.computer, client_credential: credential };
}

/** NetrServerPasswordSet2: the account, the computer name, the authenticator's credential, whether the new password blob is all zeros. */
export function passwordSet2Details(r: NdrReader): DceRpcCallDetails | undefined {
  const head = channelHead(r);
  if (head === undefined) return undefined;
  // NETLOGON_AUTHENTICATOR: the credential, then a 4-byte timestamp (the structure aligned to 4).
  r.align(4);
  const credential = hexBytes(r, CREDENTIAL_BYTES);
  r.u32();
  let zero = true;
  for (let i = 0; i < TRUST_PASSWORD_BYTES; i++) if (r.u8() !== 0) zero = false;
  if (!r.ok || credential === undefined) return undefined;
  return { user: head.account, computer_name: head.computer, client_credential: credential, new_password: zero ? 'all_zero' : 'set' };
}
