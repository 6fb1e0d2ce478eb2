/**
 * Cutting attacker-sized text down before it is kept in a long-lived table.
 * `text.slice(0, n)` is not enough: V8 makes a slice of a long string a
 * "sliced string" that points into the original, so a 512-character key cut
 * from an 8 KiB header keeps all 8 KiB alive for as long as the key lives.
 * `cutText` returns a string of its own instead.
 */

/**
 * `text` when it has at most `max` UTF-16 code units, else its first `max`
 * as a fresh string (exact: the UTF-16 round trip keeps every code unit,
 * lone surrogates included) that does not keep `text` alive.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return Buffer.from(text.slice(0, max), 'utf16le').toString('utf16le');
}

/** `text` cut to `max` code units and marked with "..." when it was longer (for messages and evidence); never keeps `text` alive. */
export function shortText(text: string, max: number): string {
  return text.length > max ? `${cutText(text, max)}...` : text;
}

/**
 * Shortest length V8 keeps as a "sliced string" (SlicedString::kMinLength);
 * shorter slices are copied already.
 */
const MIN_SLICED_LENGTH = 13;

/**
 * `part`, a piece taken out of a longer text (a slice, a trimmed or
 * lower-cased slice), as a string of its own, so a short name kept in a table
 * does not keep the long text it came from alive.
 */
export function ownText(part: string): string {
  return part.length < MIN_SLICED_LENGTH ? part : Buffer.from(part, 'utf16le').toString('utf16le');
}
