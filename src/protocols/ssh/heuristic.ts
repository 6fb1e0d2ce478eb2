/**
 * Guesses SSH-2 authentication outcomes from the sizes of encrypted server
 * segments after NEWKEYS — the same idea as Zeek's SSH analyzer, which this
 * follows so that counts line up with Zeek's ssh.log and brute-force notices:
 *
 * 1. The first server segment after the client has sent encrypted data is
 *    taken as SSH_MSG_SERVICE_ACCEPT ("ssh-userauth"); its size is the
 *    reference.
 * 2. SSH_MSG_USERAUTH_SUCCESS carries one byte of payload and is exactly 16
 *    bytes smaller than SERVICE_ACCEPT once padded to the cipher block.
 * 3. Otherwise the next server segment is the first USERAUTH_FAILURE (its size
 *    depends on the method list); a segment more than 256 bytes larger than
 *    SERVICE_ACCEPT is skipped once as a pre-auth banner.
 * 4. Each later server segment of that same size is one more failed attempt;
 *    one 16 bytes smaller than SERVICE_ACCEPT is the success.
 *
 * Limits (why this is a guess, not a fact):
 * - It reads TCP segment sizes, as the reassembler delivers them: when it
 *   merges segments (retransmissions, out-of-order data), or a server packs
 *   several SSH packets into one segment, sizes no longer map to messages.
 * - Keyboard-interactive prompts, USERAUTH_PK_OK for public-key probing,
 *   USERAUTH_BANNER messages and partial success (multi-factor) produce
 *   segments of other sizes: they are not counted, so attempts can be
 *   undercounted and a success missed (outcome unknown).
 * - Compression (zlib) changes sizes: the caller disables the heuristic then.
 * - Only SSH-2; nothing is inferred after a capture gap.
 */

/** Size difference between SERVICE_ACCEPT and USERAUTH_SUCCESS after padding. */
const SUCCESS_SIZE_DELTA = 16;
/** A first reply this much larger than SERVICE_ACCEPT is a pre-auth banner, not a failure. */
const BANNER_SIZE_THRESHOLD = 256;

export const AuthGuess = {
  NONE: 0,
  FAILED_ATTEMPT: 1,
  SUCCESS: 2,
} as const;
export type AuthGuess = (typeof AuthGuess)[keyof typeof AuthGuess];

export class AuthSizeHeuristic {
  #sawClientEncrypted = false;
  #serviceAcceptSize = 0;
  #failureSize = 0;
  #skippedBanner = false;
  #decided = false;

  /** True once a success has been seen; later segments are not examined. */
  get decided(): boolean {
    return this.#decided;
  }

  /** One encrypted segment of `len` bytes in a direction. */
  segment(fromClient: boolean, len: number): AuthGuess {
    if (this.#decided || len <= 0) return AuthGuess.NONE;
    if (fromClient) {
      this.#sawClientEncrypted = true;
      return AuthGuess.NONE;
    }
    // Server data before the client's first encrypted packet is not part of authentication.
    if (!this.#sawClientEncrypted) return AuthGuess.NONE;
    if (this.#serviceAcceptSize === 0) {
      this.#serviceAcceptSize = len;
      return AuthGuess.NONE;
    }
    if (this.#failureSize === 0 && len + SUCCESS_SIZE_DELTA === this.#serviceAcceptSize) {
      // "none" authentication accepted straight away.
      this.#decided = true;
      return AuthGuess.SUCCESS;
    }
    if (this.#failureSize === 0) {
      if (!this.#skippedBanner && len - this.#serviceAcceptSize > BANNER_SIZE_THRESHOLD) {
        this.#skippedBanner = true;
        return AuthGuess.NONE;
      }
      this.#failureSize = len;
      return AuthGuess.NONE;
    }
    if (len === this.#failureSize) return AuthGuess.FAILED_ATTEMPT;
    if (len + SUCCESS_SIZE_DELTA === this.#serviceAcceptSize) {
      this.#decided = true;
      return AuthGuess.SUCCESS;
    }
    return AuthGuess.NONE;
  }
}
