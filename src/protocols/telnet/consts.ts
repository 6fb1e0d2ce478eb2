/**
 * Telnet wire values (RFC 854/855), the login-dialogue texts Picket looks
 * for, and the bounds on per-flow state.
 */
import { asciiBytes } from '../wire-text.js';

export const TELNET_PORTS = [23] as const;

export const Iac = {
  IAC: 255,
  SB: 250,
  SE: 240,
  WILL: 251,
  WONT: 252,
  DO: 253,
  DONT: 254,
} as const;

/** Server text kept per line for matching: prompts and error lines are short. */
export const MAX_TEXT_LINE = 256;
/** Longest user name collected from the client's typing. */
export const MAX_TYPED_USER = 64;
/** Server bytes read before giving up: logins happen in the first few kilobytes; the rest is the session. */
export const MAX_SERVER_BYTES = 256 * 1024;

/** Prompts asking for a user name (lower case, compared at the end of a line). */
export const LOGIN_PROMPTS: readonly Uint8Array[] = ['login:', 'username:', 'user name:'].map(asciiBytes);
/** Prompt asking for the password: what the client types next is never kept. */
export const PASSWORD_PROMPT = asciiBytes('password:');
/** Failure messages (lower case, anywhere in a line): util-linux/BSD login, Cisco IOS, others. */
export const FAILURE_TEXTS: readonly Uint8Array[] = ['login incorrect', 'login failed', 'login invalid', 'authentication failed'].map(asciiBytes);
/** Printed by login(1) after a successful login on most Unix systems. */
export const SUCCESS_TEXTS: readonly Uint8Array[] = ['last login:'].map(asciiBytes);

export const TelnetAnomaly = {
  CONTENT_GAP: 'telnet_content_gap',
} as const;
