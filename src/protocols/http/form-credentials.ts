/**
 * Passwords in HTTP requests outside the Authorization header: a login form
 * posted as application/x-www-form-urlencoded, a JSON sign-in body, or a
 * password in the URI's query. The request's first MAX_FORM_BYTES are kept
 * (charged to the parser buffer budget) and read once the body ends; a field
 * whose name says password (`password`, `pwd`, `pass`, `j_password`,
 * `login[password]`...) with a value is a sign-in, and a field whose name
 * says user (`username`, `log`, `email`, `j_username`...) names the account.
 * The password itself is never kept past the scan: only a keyed digest of
 * it (`secretTag`, its key random per process), by which password guessing
 * (many different passwords) is told from one password sent again.
 *
 * Not read: a field past the first MAX_FORM_BYTES, a JSON body cut there,
 * multipart forms, other codings of the body.
 */
import { parserBuffers, type BufferClaim } from '../buffer-budget.js';
import { secretTag } from '../secret-tag.js';

/** Bytes of a request body read for form fields. */
export const MAX_FORM_BYTES = 8 * 1024;
/** Longest user name kept. */
const MAX_USER = 128;
/** JSON: objects nested this deep are read, and this many keys in all. */
const MAX_JSON_DEPTH = 4;
const MAX_JSON_KEYS = 500;

/** What a request revealed: the field that carried a password, and the account when a field named one. */
export interface FormCredentials {
  /** Where the password was: "form", "json" or "query". */
  carrier: 'form' | 'json' | 'query';
  /** The password field's name as sent. */
  field: string;
  user?: string;
  /** A keyed digest of the password (32 bits; the key is random per process and never leaves it): equal for one password sent again. */
  secretTag: number;
}

/** Field names (lower-case, letters and digits only, the last part of `a[b]` or `a.b`) that carry a password in a body. */
const PASSWORD_FIELDS = new Set([
  'password', 'passwd', 'passwort', 'pass', 'pwd', 'pw', 'passcode', 'userpassword', 'userpass', 'loginpassword',
  'jpassword', 'motdepasse', 'contrasena', 'senha', 'clientsecret',
]);
/** In a URI's query only the unambiguous ones ("pass" or "pw" there is too often something else). */
const QUERY_PASSWORD_FIELDS = new Set(['password', 'passwd', 'passwort', 'pwd', 'userpassword', 'loginpassword', 'jpassword', 'clientsecret']);
/** Field names that name the account. */
const USER_FIELDS = new Set([
  'user', 'username', 'usr', 'uname', 'login', 'log', 'loginname', 'userlogin', 'userid', 'email', 'mail', 'emailaddress',
  'account', 'accountname', 'jusername', 'clientid',
]);

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** The key a field name is judged by: its last bracketed or dotted part, lower-case, letters and digits only. */
function fieldKey(name: string): string {
  let last = name;
  const bracket = /\[([^\][]*)\]$/.exec(name);
  if (bracket !== null && bracket[1] !== '') last = bracket[1]!;
  else if (name.includes('.')) last = name.slice(name.lastIndexOf('.') + 1);
  return last.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A urlencoded name or value, decoded; as sent when its escapes are broken. */
function formDecode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** Reads `a=1&b=2` for a password field, judging names against `passwords`. */
export function urlencodedCredentials(text: string, carrier: 'form' | 'query', passwords: ReadonlySet<string> = carrier === 'form' ? PASSWORD_FIELDS : QUERY_PASSWORD_FIELDS): FormCredentials | null {
  let field: string | undefined;
  let tag = 0;
  let user: string | undefined;
  for (const pair of text.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) continue;
    const name = formDecode(pair.slice(0, eq));
    const key = fieldKey(name);
    if (field === undefined && passwords.has(key)) {
      field = name;
      tag = secretTag(formDecode(pair.slice(eq + 1)));
    } else if (user === undefined && USER_FIELDS.has(key)) {
      user = formDecode(pair.slice(eq + 1)).trim();
    }
  }
  if (field === undefined) return null;
  const found: FormCredentials = { carrier, field, secretTag: tag };
  if (user !== undefined && user !== '') found.user = user.slice(0, MAX_USER);
  return found;
}

/** Reads a JSON body for a password member (a non-empty string), in nested objects too. */
export function jsonCredentials(text: string): FormCredentials | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  let field: string | undefined;
  let tag = 0;
  let user: string | undefined;
  let keys = 0;
  const visit = (v: unknown, depth: number): void => {
    if (depth > MAX_JSON_DEPTH || v === null || typeof v !== 'object' || Array.isArray(v)) return;
    for (const [name, value] of Object.entries(v)) {
      if (++keys > MAX_JSON_KEYS) return;
      if (typeof value === 'string') {
        const key = fieldKey(name);
        if (field === undefined && value !== '' && PASSWORD_FIELDS.has(key)) {
          field = name;
          tag = secretTag(value);
        } else if (user === undefined && value.trim() !== '' && USER_FIELDS.has(key)) user = value.trim().slice(0, MAX_USER);
      } else {
        visit(value, depth + 1);
      }
    }
  };
  visit(doc, 0);
  if (field === undefined) return null;
  const found: FormCredentials = { carrier: 'json', field, secretTag: tag };
  if (user !== undefined) found.user = user;
  return found;
}

/** The password in a request URI's query, if one is there. */
export function queryCredentials(uri: string): FormCredentials | null {
  const q = uri.indexOf('?');
  // Most queries name no password: only those that may are split up.
  if (q < 0 || !/pass|pwd|secret/i.test(uri.slice(q))) return null;
  const hash = uri.indexOf('#', q);
  return urlencodedCredentials(uri.slice(q + 1, hash < 0 ? undefined : hash), 'query');
}

/** Keeps the head of one request body whose type may carry a sign-in, and reads it when the body ends. */
export class FormBodyScanner {
  #kind: 'form' | 'json' | null = null;
  #chunks: Uint8Array[] = [];
  #kept = 0;
  /** Bytes past MAX_FORM_BYTES (or refused by the budget) were not kept. */
  #cut = false;
  #claim: BufferClaim | null = null;

  /** A new request body of media type `contentType` (lower-case, no parameters) begins. */
  start(contentType: string | undefined): void {
    this.reset();
    if (contentType === FORM_TYPE) this.#kind = 'form';
    else if (contentType === 'application/json' || (contentType !== undefined && contentType.endsWith('+json'))) this.#kind = 'json';
  }

  /** Whether the body is of a type read for sign-ins. */
  get active(): boolean {
    return this.#kind !== null;
  }

  feed(data: Uint8Array, start: number, len: number): void {
    if (this.#kind === null || len <= 0 || this.#cut) return;
    const take = Math.min(len, MAX_FORM_BYTES - this.#kept);
    if (take < len) this.#cut = true;
    if (take <= 0) return;
    this.#claim ??= parserBuffers.claim(this);
    if (!this.#claim.resize(this.#kept + take)) {
      this.#cut = true;
      return;
    }
    this.#chunks.push(data.slice(start, start + take));
    this.#kept += take;
  }

  /** Bytes of the body were lost: what follows is not read. */
  gap(): void {
    this.#cut = true;
  }

  /** The body ended: what its kept head shows, and the kept bytes are let go. */
  finish(): FormCredentials | null {
    const kind = this.#kind;
    if (kind === null || this.#kept === 0) {
      this.reset();
      return null;
    }
    const body = Buffer.concat(this.#chunks);
    let found: FormCredentials | null;
    if (kind === 'form') {
      // A field cut at the bound is left out: its value is not whole.
      let text = body.toString('latin1');
      if (this.#cut) text = text.slice(0, Math.max(0, text.lastIndexOf('&')));
      found = urlencodedCredentials(text, 'form');
    } else {
      found = this.#cut ? null : jsonCredentials(body.toString('utf8'));
    }
    body.fill(0);
    this.reset();
    return found;
  }

  reset(): void {
    for (const c of this.#chunks) c.fill(0);
    this.#chunks = [];
    this.#kept = 0;
    this.#cut = false;
    this.#kind = null;
    this.#claim?.release();
  }
}
