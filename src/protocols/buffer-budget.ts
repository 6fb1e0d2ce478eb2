/**
 * One bound on the message buffers of all parsers of a pipeline thread.
 * Each buffer has its own cap (a message of at most 256 KiB, say), but a
 * flow table of a million flows times two directions times that cap is no
 * bound at all: a sender that leaves many large messages unfinished would
 * hold all of it. So the buffers that can grow large (the message buffers
 * of LDAP, SMB, Kerberos, RDP, MySQL, PostgreSQL and VNC; past their first
 * small allocation, DNS over TCP messages, TLS hellos and the lines of HTTP,
 * FTP, SMTP, IMAP and POP3 cut across segments) take their bytes from this
 * budget, and give them back when they shrink, when their owner releases
 * them, or (as a safety net) when their owner is garbage collected. A buffer
 * the budget refuses fails as it does at its own cap: the parser counts an
 * anomaly and resynchronises, truncates or stops.
 *
 * The budget is per thread (each pipeline thread loads its own copy of this
 * module), like the reassembly budget it sits beside.
 */

/** Bytes all parser buffers of one thread may hold at once (default). */
export const PARSER_BUFFER_MAX_BYTES = 256 * 1024 * 1024;

/** Bytes one holder's buffer takes from the budget. */
export class BufferClaim {
  bytes = 0;
  readonly #budget: BufferBudget;

  constructor(budget: BufferBudget) {
    this.#budget = budget;
  }

  /** Changes the claim to `bytes`; false (and no change) when the budget cannot grant the growth. */
  resize(bytes: number): boolean {
    const delta = bytes - this.bytes;
    if (delta > 0 && this.#budget.held + delta > this.#budget.maxBytes) {
      this.#budget.refused++;
      return false;
    }
    this.#budget.held += delta;
    this.bytes = bytes;
    return true;
  }

  /** Gives everything back (idempotent). */
  release(): void {
    this.#budget.held -= this.bytes;
    this.bytes = 0;
  }
}

export class BufferBudget {
  /** Bytes claimed now. */
  held = 0;
  /** Growths refused because the budget was spent. */
  refused = 0;
  maxBytes: number;
  readonly #collected = new FinalizationRegistry<BufferClaim>((claim) => claim.release());

  constructor(maxBytes = PARSER_BUFFER_MAX_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** A claim for `owner`'s buffer, released when `owner` is collected if not before. */
  claim(owner: object): BufferClaim {
    const c = new BufferClaim(this);
    this.#collected.register(owner, c);
    return c;
  }
}

/**
 * A new buffer for at least `need` bytes, holding at its start the `used`
 * bytes of `buf` from `from`: `buf`'s size doubled (from at least `min`)
 * until it fits, at most `max`, the new size claimed from the budget through
 * `claim`. Null when the budget refuses (nothing changes).
 */
export function growBuffer(claim: BufferClaim, buf: Uint8Array, used: number, need: number, max: number, from = 0, min = 1): Uint8Array | null {
  let size = Math.max(min, buf.length * 2);
  while (size < need) size *= 2;
  size = Math.min(size, max);
  if (!claim.resize(size)) return null;
  const grown = new Uint8Array(size);
  grown.set(buf.subarray(from, from + used));
  return grown;
}

/** The budget of this thread's parsers. */
export const parserBuffers = new BufferBudget();
