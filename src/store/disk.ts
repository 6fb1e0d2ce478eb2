/**
 * Free space on the file system holding the data directory. The store asks
 * before every insert (statfs is one system call) and refuses to write once
 * free space is below the configured floor, so the server never fills a disk.
 */
import fs from 'node:fs';

/** Bytes available to this (unprivileged-equivalent) process on the file system of `dir`. */
export async function diskFree(dir: string): Promise<number> {
  const s = await fs.promises.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}
