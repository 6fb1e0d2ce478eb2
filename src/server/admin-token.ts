/**
 * The admin token: taken from PICKET_ADMIN_TOKEN when set, else read from
 * DIR/admin.token, else generated on first start and written there with mode
 * 0600 (created exclusively, so two starts racing cannot each write their
 * own). A token file readable by others is tightened back to 0600 with a
 * warning: it grants full control of the server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../util/errors.js';
import { CREDENTIAL_BYTES, randomToken } from './secrets.js';

export const ADMIN_TOKEN_FILE = 'admin.token';
export const ADMIN_TOKEN_ENV = 'PICKET_ADMIN_TOKEN';
/**
 * Generated admin tokens start with this, as enrollment tokens and agent
 * credentials start with pkt_ and pkc_: base64url text alone starts with "-"
 * one time in 64, and a token that looks like an option cannot follow
 * `--admin-token` on a command line.
 */
export const ADMIN_TOKEN_PREFIX = 'pka_';
/** Shorter admin tokens are refused: they could be guessed. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
const FILE_MODE = 0o600;

export interface AdminToken {
  token: string;
  /** Where it came from; `created` means this start wrote the file. */
  source: 'env' | 'file' | 'created';
  /** The file, when it came from or went to one. */
  file?: string;
  /** Things a person should know (e.g. a mode that was too open). */
  warnings: string[];
}

function checkToken(token: string, where: string): string {
  const t = token.trim();
  if (t.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(t)) {
    throw new PicketError('PKT_ERR_SERVER_ADMIN_TOKEN', `the admin token in ${where} must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`);
  }
  return t;
}

/** Reads DIR/admin.token when present; undefined when absent. */
export function readAdminTokenFile(dataDir: string): string | undefined {
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  try {
    return checkToken(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err instanceof PicketError ? err : new PicketError('PKT_ERR_SERVER_ADMIN_TOKEN', `cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The admin token for a server on `dataDir` (creates the directory and file when needed). */
export function ensureAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): AdminToken {
  const fromEnv = env[ADMIN_TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { token: checkToken(fromEnv, ADMIN_TOKEN_ENV), source: 'env', warnings: [] };
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const warnings: string[] = [];
  const existing = readAdminTokenFile(dataDir);
  if (existing !== undefined) {
    const mode = fs.statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      fs.chmodSync(file, FILE_MODE);
      warnings.push(`${file} was readable by others (mode ${mode.toString(8)}); set to 600`);
    }
    return { token: existing, source: 'file', file, warnings };
  }
  const token = ADMIN_TOKEN_PREFIX + randomToken(CREDENTIAL_BYTES);
  try {
    fs.writeFileSync(file, `${token}\n`, { mode: FILE_MODE, flag: 'wx' });
  } catch (err) {
    // Another process created it between our read and write: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const theirs = readAdminTokenFile(dataDir);
      if (theirs !== undefined) return { token: theirs, source: 'file', file, warnings };
    }
    throw new PicketError('PKT_ERR_SERVER_ADMIN_TOKEN', `cannot write ${file}: ${(err as Error).message}`);
  }
  // The umask can only remove bits, but a pre-set ACL or odd filesystem might not honour `mode`.
  fs.chmodSync(file, FILE_MODE);
  return { token, source: 'created', file, warnings };
}
