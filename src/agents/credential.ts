/**
 * The agent's own credential: what the server answered to the one-time
 * enrollment token, kept in a JSON file readable only by its owner (0600)
 * and reused on every later start, so the token is needed once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Owner read/write only: the credential authenticates every ingest request. */
export const CREDENTIAL_FILE_MODE = 0o600;

export interface AgentCredential {
  agent_id: string;
  credential: string;
  /** Server the credential belongs to (informational). */
  server: string;
  enrolled_at: string;
}

/** Reads the file; undefined when it does not exist or does not hold a credential. Tightens a loose mode. */
export function readCredential(file: string): { credential: AgentCredential; fixedMode: boolean } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.agent_id !== 'string' || typeof r.credential !== 'string' || r.agent_id === '' || r.credential === '') return undefined;
  let fixedMode = false;
  const mode = fs.statSync(file).mode & 0o777;
  if (mode !== CREDENTIAL_FILE_MODE) {
    fs.chmodSync(file, CREDENTIAL_FILE_MODE);
    fixedMode = true;
  }
  return {
    credential: {
      agent_id: r.agent_id,
      credential: r.credential,
      server: typeof r.server === 'string' ? r.server : '',
      enrolled_at: typeof r.enrolled_at === 'string' ? r.enrolled_at : '',
    },
    fixedMode,
  };
}

/** Writes the credential atomically with mode 0600 (created that way, never readable by others in between). */
export function writeCredential(file: string, cred: AgentCredential): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(cred, null, 2) + '\n', { mode: CREDENTIAL_FILE_MODE, sync: 'full' });
}
