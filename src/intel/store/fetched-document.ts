/**
 * Whether a document fetched for a remote list, Tor source or MISP CSV or
 * free-text feed may replace the set loaded last time. A captive portal, a login page or a proxy's error
 * page answers 200 with HTML, and a broken mirror answers 200 with nothing;
 * taken at face value either empties the source, and every lookup against
 * it silently stops matching until the network is fixed and the next
 * refresh runs. So a fetched document that is an HTML page, or that yields
 * no valid value at all (empty, only comments, only bad lines), is a failed
 * refresh: the refresher keeps the previous set and records why.
 *
 * Local files are not judged this way: the site writes them itself, and an
 * empty one is how it says "nothing listed today".
 */
import { PicketError } from '../../util/errors.js';
import type { BadLine } from '../lists/parse-list.js';

/** How much of the start of a document is searched for HTML markup. */
const HTML_SNIFF_CHARS = 1024;

/**
 * True when the text is an HTML page: it starts with markup (after a byte
 * order mark, blanks or an XML declaration) and names an HTML element near
 * its start. No indicator list, CSV, Tor document or Onionoo JSON starts with "<".
 */
export function looksLikeHtml(text: string): boolean {
  const head = text.slice(0, HTML_SNIFF_CHARS).replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('<')) return false;
  return /<(?:!doctype\s+html|html|head|body|title|meta|script|div|p|h1)[\s>/]/i.test(head);
}

/** Throws when a fetched document is an HTML page or holds nothing but blanks. */
export function refuseUnusableDocument(origin: string, text: string, expected: string): void {
  if (text.replace(/^\uFEFF/, '').trim().length === 0) {
    throw new PicketError('PKT_ERR_INTEL_EMPTY', `${origin}: the server sent an empty document instead of ${expected}`);
  }
  if (looksLikeHtml(text)) {
    throw new PicketError('PKT_ERR_INTEL_HTML', `${origin}: the server sent an HTML page instead of ${expected} (a captive portal, login or error page?)`);
  }
}

/** Throws when parsing a fetched document found no valid value, naming the first bad line when there is one. */
export function requireSomeValue(origin: string, found: number, expected: string, badCount: number, bad: readonly BadLine[]): void {
  if (found > 0) return;
  const first = bad[0];
  const why = badCount === 0 ? 'it lists nothing' : `${badCount} bad ${badCount === 1 ? 'line' : 'lines'}${first !== undefined ? `; line ${first.line}: ${first.reason}: ${first.text}` : ''}`;
  throw new PicketError('PKT_ERR_INTEL_NO_VALUES', `${origin}: no valid value in a document that should be ${expected} (${why})`);
}
