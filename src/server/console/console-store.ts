/**
 * What the console keeps besides the metadata: users (name, role, scrypt
 * hash), sessions (only the SHA-256 of the cookie value, with the session's
 * CSRF token and expiry) and alert suppressions. It is one small JSON file in
 * the data directory (`console.json`, mode 0600), rewritten atomically (write
 * a temporary file, fsync, rename) after every change, so a crash leaves the
 * old or the new file, never half of one. The amounts are small (people,
 * their sessions, hand-made suppressions), so a file is enough and keeps the
 * console independent of the metadata engine (DuckDB or ClickHouse).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../../util/errors.js';
import { hashPassword, verifyPassword } from './password.js';
import { writeFileAtomic } from '../../util/atomic-file.js';

export const CONSOLE_FILE = 'console.json';
export type Role = 'admin' | 'viewer';
/** A session lasts this long after login (a working day), then the user logs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;
/** Sessions kept per user; the oldest is ended past this (bounds the file). */
export const MAX_SESSIONS_PER_USER = 20;
/** Users and suppressions kept: bounds the file and the per-alert matching work. */
export const MAX_USERS = 200;
export const MAX_SUPPRESSIONS = 1000;
/** Random bytes in a session id and a CSRF token (256 bits). */
const SECRET_BYTES = 32;
const FILE_MODE = 0o600;

export interface User {
  name: string;
  role: Role;
  hash: string;
  created_at: string;
}

interface SessionRecord {
  id_hash: string;
  user: string;
  csrf: string;
  created_at: number;
  expires_at: number;
}

export interface Session {
  user: string;
  role: Role;
  csrf: string;
  expires_at: number;
}

/** Hides alerts of `rule` (exact id or `prefix*`), optionally only for one host/network, until `expires_at`. */
export interface Suppression {
  id: string;
  rule: string;
  host: string | null;
  network: string | null;
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
}

interface FileShape {
  version: 1;
  users: User[];
  sessions: SessionRecord[];
  suppressions: Suppression[];
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

export function isRole(v: unknown): v is Role {
  return v === 'admin' || v === 'viewer';
}

export class ConsoleStore {
  readonly #file: string;
  readonly #now: () => number;
  #data: FileShape;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, data: FileShape, now: () => number) {
    this.#file = file;
    this.#data = data;
    this.#now = now;
  }

  /** Opens DIR/console.json (an absent file is an empty store; an unreadable one is an error, never silently replaced). */
  static open(dataDir: string, now: () => number = Date.now): ConsoleStore {
    // The data directory may not exist yet on a first start (the store opens it later).
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, CONSOLE_FILE);
    let data: FileShape = { version: 1, users: [], sessions: [], suppressions: [] };
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PicketError('PKT_ERR_CONSOLE_STORE', `cannot read ${file}: ${(err as Error).message}`);
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new PicketError('PKT_ERR_CONSOLE_STORE', `${file} is not valid JSON; fix or remove it`);
      }
      const p = parsed as Partial<FileShape> | null;
      if (p === null || typeof p !== 'object' || !Array.isArray(p.users)) throw new PicketError('PKT_ERR_CONSOLE_STORE', `${file} has no users list; fix or remove it`);
      data = {
        version: 1,
        users: p.users.filter((u) => typeof u?.name === 'string' && typeof u.hash === 'string' && isRole(u.role)),
        sessions: Array.isArray(p.sessions) ? p.sessions.filter((s) => typeof s?.id_hash === 'string' && typeof s.user === 'string') : [],
        suppressions: Array.isArray(p.suppressions) ? p.suppressions.filter((s) => typeof s?.id === 'string' && typeof s.rule === 'string') : [],
      };
    }
    return new ConsoleStore(file, data, now);
  }

  get file(): string {
    return this.#file;
  }

  /** Writes the whole state atomically; writes are serialised. */
  #save(): Promise<void> {
    const text = `${JSON.stringify(this.#data, null, 1)}\n`;
    this.#writing = this.#writing.then(() => writeFileAtomic(this.#file, text, { mode: FILE_MODE, sync: 'full' }));
    return this.#writing;
  }

  // ---- users

  users(): Omit<User, 'hash'>[] {
    return this.#data.users.map((u) => ({ name: u.name, role: u.role, created_at: u.created_at }));
  }

  getUser(name: string): User | undefined {
    return this.#data.users.find((u) => u.name === name);
  }

  async createUser(name: string, password: string, role: Role): Promise<void> {
    if (this.getUser(name) !== undefined) throw new PicketError('PKT_ERR_CONSOLE_USER_EXISTS', `user ${name} exists`);
    if (this.#data.users.length >= MAX_USERS) throw new PicketError('PKT_ERR_CONSOLE_TOO_MANY', `at most ${MAX_USERS} users`);
    this.#data.users.push({ name, role, hash: await hashPassword(password), created_at: new Date(this.#now()).toISOString() });
    await this.#save();
  }

  async deleteUser(name: string): Promise<boolean> {
    const before = this.#data.users.length;
    this.#data.users = this.#data.users.filter((u) => u.name !== name);
    this.#data.sessions = this.#data.sessions.filter((s) => s.user !== name);
    if (this.#data.users.length === before) return false;
    await this.#save();
    return true;
  }

  /** The user when the password is right; undefined otherwise (unknown users cost a hash too). */
  async checkPassword(name: string, password: string): Promise<User | undefined> {
    const u = this.getUser(name);
    // Unknown names still pay for one hash, so response time does not reveal which names exist.
    dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
    const ok = await verifyPassword(password, u?.hash ?? (await dummyHash));
    return ok && u !== undefined ? u : undefined;
  }

  // ---- sessions

  /** Starts a session; returns the cookie value (shown once) and the session. */
  async createSession(user: User): Promise<{ cookie: string; session: Session }> {
    const now = this.#now();
    const cookie = crypto.randomBytes(SECRET_BYTES).toString('base64url');
    const rec: SessionRecord = { id_hash: sha256(cookie), user: user.name, csrf: crypto.randomBytes(SECRET_BYTES).toString('base64url'), created_at: now, expires_at: now + SESSION_TTL_MS };
    let sessions = this.#data.sessions.filter((s) => s.expires_at > now);
    const mine = sessions.filter((s) => s.user === user.name);
    if (mine.length >= MAX_SESSIONS_PER_USER) {
      const drop = new Set(mine.sort((a, b) => a.created_at - b.created_at).slice(0, mine.length - MAX_SESSIONS_PER_USER + 1).map((s) => s.id_hash));
      sessions = sessions.filter((s) => !drop.has(s.id_hash));
    }
    sessions.push(rec);
    this.#data.sessions = sessions;
    await this.#save();
    return { cookie, session: { user: user.name, role: user.role, csrf: rec.csrf, expires_at: rec.expires_at } };
  }

  /** The live session behind a cookie value (its user must still exist), or undefined. */
  session(cookie: string): Session | undefined {
    const h = sha256(cookie);
    const s = this.#data.sessions.find((x) => x.id_hash === h);
    if (s === undefined || s.expires_at <= this.#now()) return undefined;
    const u = this.getUser(s.user);
    if (u === undefined) return undefined;
    return { user: u.name, role: u.role, csrf: s.csrf, expires_at: s.expires_at };
  }

  async endSession(cookie: string): Promise<void> {
    const h = sha256(cookie);
    this.#data.sessions = this.#data.sessions.filter((s) => s.id_hash !== h);
    await this.#save();
  }

  // ---- suppressions

  /** Suppressions not yet expired. */
  suppressions(): Suppression[] {
    const now = this.#now();
    return this.#data.suppressions.filter((s) => s.expires_at === null || Date.parse(s.expires_at) > now);
  }

  async addSuppression(s: Omit<Suppression, 'id' | 'created_at'>): Promise<Suppression> {
    const live = this.suppressions();
    if (live.length >= MAX_SUPPRESSIONS) throw new PicketError('PKT_ERR_CONSOLE_TOO_MANY', `at most ${MAX_SUPPRESSIONS} suppressions`);
    const made: Suppression = { ...s, id: `sup_${crypto.randomUUID()}`, created_at: new Date(this.#now()).toISOString() };
    // Expired ones are dropped here rather than on a timer.
    this.#data.suppressions = [...live, made];
    await this.#save();
    return made;
  }

  async deleteSuppression(id: string): Promise<boolean> {
    const before = this.#data.suppressions.length;
    this.#data.suppressions = this.#data.suppressions.filter((s) => s.id !== id);
    if (before === this.#data.suppressions.length) return false;
    await this.#save();
    return true;
  }
}

/** A valid hash of a random password, verified against when the user name is unknown (made on first use). */
let dummyHash: Promise<string> | undefined;
