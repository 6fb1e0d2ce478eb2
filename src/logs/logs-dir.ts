/**
 * The logs folder is checked before a run starts: a path that names an
 * existing file would otherwise fail deep inside the log writer (or a
 * pipeline worker) as a raw "EEXIST ... mkdir", after the analysis ran.
 */
import fs from 'node:fs';
import { PicketError } from '../util/errors.js';

/**
 * Throws PKT_ERR_LOG_DIR when `dir` exists and is not a directory; `what`
 * names the thing to the user (the option, e.g. "--logs").
 */
export function checkLogsDir(dir: string, what = 'logs folder'): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new PicketError('PKT_ERR_LOG_DIR', `${what}: ${dir} cannot be made, a folder on its path is a file`);
    }
    return; // missing: the log writer makes it
  }
  if (!st.isDirectory()) {
    throw new PicketError('PKT_ERR_LOG_DIR', `${what}: ${dir} is a file, not a directory`);
  }
}
