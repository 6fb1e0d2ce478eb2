/**
 * The file name a Content-Disposition header gives (RFC 6266), for a whole
 * HTTP message body or for one part of a multipart body: `filename*=`
 * preferred, as RFC 6266 says, RFC 2231 continuations and RFC 2047 encoded
 * words decoded (params.ts).
 */
import { headerParam } from './params.js';

/** The file name of a Content-Disposition value, or undefined. */
export function dispositionFileName(value: string): string | undefined {
  return headerParam(value, 'filename');
}
