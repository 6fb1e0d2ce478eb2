/**
 * Dotted-quad IPv4 text to a uint32 in one pass, for the enrichment hot path
 * (src/config/ip.ts handles every form but scans the text twice). Same rules
 * as the config parser: four decimal octets, no leading zeros, nothing else.
 * Text with any other character may be IPv6 and is left to the full parser.
 */

/** Only digits and dots, but not a valid address. */
export const V4_INVALID = -1;
/** Holds a character other than a digit or a dot (IPv6, or not an address). */
export const V4_OTHER = -2;

export function parseV4Text(text: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  // Malformed as IPv4, but keep scanning: "2001:db8::1" starts with an octet > 255.
  let bad = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) bad = true;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return V4_OTHER;
    // A second digit after a leading zero ("01") is refused, as in the config parser.
    if (digits > 0 && octet === 0) bad = true;
    octet = octet * 10 + d;
    if (octet > 255) bad = true;
    digits++;
  }
  if (bad || digits === 0 || dots !== 3) return V4_INVALID;
  return value * 256 + octet;
}
