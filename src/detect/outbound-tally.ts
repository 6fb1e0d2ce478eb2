/**
 * One internal host's connections to public addresses on a watched service,
 * counted for an alert that rules about traffic that should never leave
 * the site keep open (smb.internet, smtp.direct_to_internet): the public
 * hosts reached (up to MAX_LISTED_DESTINATIONS), sessions and attempts that
 * never became one.
 */
import type { ConnRecord } from '../flows/conn-record.js';
import { plural } from '../alerts/alert.js';
import { isSession } from './tcp-attempt.js';

/** Public destinations listed per alert. */
export const MAX_LISTED_DESTINATIONS = 20;

export interface OutboundTally {
  dests: Set<string>;
  /** Connections that carried payload both ways. */
  established: number;
  /** Attempts that never did (refused, unanswered, cut short). */
  failed: number;
}

export function freshOutbound(): OutboundTally {
  return { dests: new Set<string>(), established: 0, failed: 0 };
}

/** Counts the connection `rec` to its responder; true when it was a session. */
export function countOutbound(t: OutboundTally, rec: ConnRecord): boolean {
  if (t.dests.size < MAX_LISTED_DESTINATIONS) t.dests.add(rec['id.resp_h']);
  const established = isSession(rec);
  if (established) t.established++;
  else t.failed++;
  return established;
}

/** " (N connections to M public hosts)" once there was more than one, else empty. */
export function outboundSummary(t: OutboundTally): string {
  const tries = t.established + t.failed;
  return tries > 1 ? ` (${plural(tries, 'connection')} to ${plural(t.dests.size, 'public host')})` : '';
}
