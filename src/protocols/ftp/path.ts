/**
 * The working directory of an FTP session and the URL of a transferred
 * file, as Zeek's ftp.log writes it in `arg` for RETR, STOR, STOU and APPE:
 * "ftp://<server address>/<directory>/<name>". The directory starts at "/"
 * (the server's real starting point is not on the wire), follows CWD
 * accepted with 250 and CDUP accepted with 200 or 250, and is kept
 * normalised ("." and "" segments dropped, ".." taking one back, never
 * above the root).
 */
import { urlHost } from '../../util/host-port.js';

/** Commands whose argument names a file on the server (Zeek's file_cmds). */
export const FILE_COMMANDS: ReadonlySet<string> = new Set(['RETR', 'STOR', 'STOU', 'APPE']);

/** `path` made absolute against `cwd` (absolute itself) and normalised. */
export function resolvePath(cwd: string, path: string): string {
  const joined = path.startsWith('/') ? path : cwd + '/' + path;
  const out: string[] = [];
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** The URL of file `name` in directory `cwd` of the server at `addr`. */
export function fileUrl(addr: string, cwd: string, name: string): string {
  return `ftp://${urlHost(addr)}${resolvePath(cwd, name)}`;
}
