/**
 * tshark as the reference for transferred files: the objects
 * `tshark --export-objects PROTO,DIR` writes from a capture (HTTP bodies,
 * SMB files, TFTP transfers), read back and the folder removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';

/** tshark's path, undefined when it is not installed. */
export const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => fs.existsSync(p));
/** A test's `skip` value: why it cannot run, or false. */
export const TSHARK_SKIP: string | false = TSHARK === undefined ? 'tshark not installed: nothing to compare with' : false;

/** The objects tshark exports from `file` for `protocol` ("http", "smb", "tftp"), by exported name (tshark adds "(1)", "(2)"... to repeated names). */
export async function tsharkObjects(file: string, protocol: 'http' | 'smb' | 'tftp'): Promise<Map<string, Buffer>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `picket-${protocol}-objects-`));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(TSHARK!, ['-r', file, '-q', '--export-objects', `${protocol},${dir}`], (err) => (err ? reject(err) : resolve()));
    });
    const out = new Map<string, Buffer>();
    for (const name of fs.readdirSync(dir).sort()) out.set(name, fs.readFileSync(path.join(dir, name)));
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
