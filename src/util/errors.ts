/**
 * Coded errors: every error Picket raises on purpose has a stable code
 * `PKT_ERR_<AREA>_<WHAT>` and a message a person can act on.
 */
export class PicketError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PicketError';
    this.code = code;
  }
}
