/**
 * The TLS files a sink names in picket.yaml (a private CA, a client
 * certificate and key), read once when the sink is created: a missing or
 * unreadable file is a start-up error naming the sink and the file, not a
 * failure at the first alert.
 */
import fs from 'node:fs';
import { PicketError } from '../util/errors.js';

/** The bytes of `file` (`what` names it in the error: "CA", "certificate", "key"); undefined when not configured. */
export function readSinkTlsFile(sink: string, file: string | undefined, what: string): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new PicketError('PKT_ERR_SINK_CA', `sink ${sink}: cannot read ${what} file ${file}`, { cause: e });
  }
}
