/**
 * What every indicator or relay source looks like to the refresher: a name
 * (shown in alerts and `picket intel status`), a kind, where it comes from,
 * whether it is remote (cached in the local store between runs) or a local
 * file (read again at start), and `load`, which produces the source's
 * complete new set from its previous snapshot. `load` throws on failure; the
 * refresher then keeps the old set and records the error.
 */
import path from 'node:path';
import type { StoredIndicator } from './indicator.js';
import type { TorRelayRecord } from '../tor/relay.js';
import type { JsonValue, SourceKind, SourceSnapshot } from './source-cache.js';
import { isUrl } from './fetch-text.js';

export interface SourceLoad {
  indicators?: StoredIndicator[];
  relays?: TorRelayRecord[];
  meta?: { [key: string]: JsonValue };
  badCount: number;
  /** "where:line: reason" samples. */
  badSamples: string[];
  /** One line on what this load did ("full pull, 1,200 attributes"). */
  note?: string;
}

export interface SourceDefinition {
  readonly name: string;
  readonly kind: SourceKind;
  readonly origin: string;
  readonly remote: boolean;
  /** `signal` aborts the load's requests (a stopping sensor); an aborted load throws and its result is never applied. */
  load(previous: SourceSnapshot, now: number, signal?: AbortSignal): Promise<SourceLoad>;
}

/** A short display name for a file or URL: the file (or folder) name, or the URL's last path part or host. */
export function displayName(origin: string): string {
  if (isUrl(origin)) {
    try {
      const u = new URL(origin);
      const parts = u.pathname.split('/').filter((p) => p.length > 0);
      return parts.length > 0 ? `${u.host}/${parts[parts.length - 1]}` : u.host;
    } catch {
      return origin;
    }
  }
  return path.basename(origin.replace(/[\\/]+$/, '')) || origin;
}
