/**
 * MD5, SHA-1 and SHA-256 of a file read as it streams past, in constant
 * memory (node:crypto's native digests). The three digests are what threat
 * feeds list files by (MISP md5/sha1/sha256 attributes, MalwareBazaar).
 */
import crypto, { type Hash } from 'node:crypto';

export interface FileDigests {
  md5: string;
  sha1: string;
  sha256: string;
}

export class FileHashes {
  readonly #md5: Hash = crypto.createHash('md5');
  readonly #sha1: Hash = crypto.createHash('sha1');
  readonly #sha256: Hash = crypto.createHash('sha256');

  /** Adds data[start, start+len). */
  update(data: Uint8Array, start: number, len: number): void {
    const view = start === 0 && len === data.length ? data : data.subarray(start, start + len);
    this.#md5.update(view);
    this.#sha1.update(view);
    this.#sha256.update(view);
  }

  /** The digests, lower-case hex (once: the hashes are spent after). */
  digest(): FileDigests {
    return { md5: this.#md5.digest('hex'), sha1: this.#sha1.digest('hex'), sha256: this.#sha256.digest('hex') };
  }
}
