/**
 * Checks named capture files before any is read: each must exist, be a
 * readable regular file, not be empty and start with a pcap magic or a
 * pcapng Section Header Block. A replay of several files reads them in
 * order, so a bad file late in the list found only when its turn came would
 * throw away the analysis of every file before it; checked up front, a bad
 * list fails at once and a good one always runs to the end. Standard input
 * ("-") cannot be looked at without consuming it and is not checked here.
 */
import fs from 'node:fs';
import { PicketError } from '../util/errors.js';
import {
  BLOCK_SHB, PCAP_MAGIC_MICRO, PCAP_MAGIC_MICRO_SWAPPED, PCAP_MAGIC_NANO, PCAP_MAGIC_NANO_SWAPPED,
} from './formats.js';

/** The capture path that means standard input. */
export const STDIN_PATH = '-';

/** Magic numbers (read big-endian from the first 4 bytes) a capture file may start with. */
const CAPTURE_MAGICS: ReadonlySet<number> = new Set([
  PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO, PCAP_MAGIC_MICRO_SWAPPED, PCAP_MAGIC_NANO_SWAPPED, BLOCK_SHB,
]);

/** Throws a coded error naming the first file of `paths` that is not a readable capture. */
export async function checkCaptureFiles(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (p !== STDIN_PATH) await checkCaptureFile(p);
  }
}

async function checkCaptureFile(file: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch (err) {
    throw openError(file, err);
  }
  if (st.isDirectory()) {
    throw new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot open capture ${file}: it is a directory`);
  }
  // Pipes and devices (e.g. /dev/stdin, a named pipe) cannot be peeked at without taking their bytes.
  if (!st.isFile()) return;
  const head = Buffer.alloc(4);
  let n: number;
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(file, 'r');
    ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
  } catch (err) {
    throw openError(file, err);
  } finally {
    await fh?.close();
  }
  if (n === 0) {
    throw new PicketError('PKT_ERR_CAPTURE_FORMAT', `${file}: empty file, not a pcap or pcapng file`);
  }
  if (n < head.length) {
    throw new PicketError('PKT_ERR_CAPTURE_FORMAT', `${file}: too short to be a pcap or pcapng file (${n} bytes)`);
  }
  if (!CAPTURE_MAGICS.has(head.readUInt32BE(0))) {
    throw new PicketError('PKT_ERR_CAPTURE_FORMAT', `${file}: not a pcap or pcapng file (first bytes ${head.toString('hex', 0, n).replace(/(..)(?!$)/g, '$1 ')})`);
  }
}

function openError(file: string, err: unknown): PicketError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
  return new PicketError('PKT_ERR_CAPTURE_OPEN', `cannot open capture ${file}: ${why}`, { cause: err });
}
