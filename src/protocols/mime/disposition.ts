/**
 * The file name a Content-Disposition header gives (RFC 6266), for a whole
 * HTTP message body or for one part of a multipart body.
 */

/** The file name of a Content-Disposition value (`filename*=` preferred, as RFC 6266 says), or undefined. */
export function dispositionFileName(value: string): string | undefined {
  const star = /(?:^|;)\s*filename\*\s*=\s*([^;]*)/i.exec(value);
  if (star !== null) {
    const m = /^[^']*'[^']*'(.*)$/.exec(star[1]!.trim());
    if (m !== null) {
      try {
        const name = decodeURIComponent(m[1]!);
        if (name !== '') return name;
      } catch {
        // A bad escape: fall back to the plain parameter.
      }
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/i.exec(value);
  if (plain === null) return undefined;
  const name = plain[2] !== undefined ? plain[2].replace(/\\(.)/g, '$1') : plain[1]!.trim();
  return name === '' ? undefined : name;
}
