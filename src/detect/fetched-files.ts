/**
 * What the rules about programs fetched by file transfer (TFTP, FTP) share:
 * the file types they judge by default, a fetched file as their evidence
 * lists it, and how a message names the files.
 */
import { formatBytes } from '../alerts/alert.js';
import { EXECUTABLE_MIME_TYPES } from '../protocols/file-magic.js';
import type { FilesRecord } from '../events/file.js';
import { joinAnd } from './host-text.js';

/** A shell script: what droppers and IoT loaders fetch first. */
export const SCRIPT_MIME = 'text/x-shellscript';
/** Types judged by default: programs and shell scripts. */
export const PROGRAM_AND_SCRIPT_TYPES: readonly string[] = [...EXECUTABLE_MIME_TYPES, SCRIPT_MIME];
/** Files listed per alert. */
export const MAX_LISTED_FILES = 10;

/** A fetched file as evidence lists it. */
export interface FetchedFile {
  file_name: string | null;
  mime_type: string;
  bytes: number;
  sha256: string | null;
}

/** The evidence entry of a files.jsonl record of type `mime`; `name` when the rule knows it better than the record. */
export function fetchedFile(r: FilesRecord, mime: string, name: string | undefined = r.filename): FetchedFile {
  return { file_name: name ?? null, mime_type: mime, bytes: r.seen_bytes, sha256: r.sha256 ?? null };
}

/** "bins.sh (a shell script, 78 bytes) and mips (a program, 3.0 KB)". */
export function describeFetched(files: readonly FetchedFile[]): string {
  return joinAnd(files.map((f) => `${f.file_name ?? 'a file'} (${f.mime_type === SCRIPT_MIME ? 'a shell script' : 'a program'}, ${formatBytes(f.bytes)})`));
}
