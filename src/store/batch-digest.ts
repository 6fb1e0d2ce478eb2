/**
 * The digest kept with each stored batch mark. A batch is recognised as the
 * same batch again by its (agent, seq) AND its records: an agent that lost
 * its numbering sends other records under a number already used, and those
 * must not be acknowledged as a duplicate and thrown away. The digest covers
 * the records only (not `sent_at`, which changes on every retry); a retry
 * sends the same spooled bytes, so it parses and serialises the same.
 */
import crypto from 'node:crypto';
import type { BatchRecord } from './types.js';

export function batchDigest(records: readonly BatchRecord[]): string {
  return crypto.createHash('sha256').update(JSON.stringify(records)).digest('hex');
}
