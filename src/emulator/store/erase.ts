/**
 * Secure erase of the store's replaced files: their bytes are overwritten with zeros in place
 * (same inode, `fdatasync`ed) before the file is unlinked, so that records that are no longer
 * part of the state (removed keys above all) do not survive in the file system's free blocks.
 *
 * A data file about to be replaced is first *held*: hard-linked as `<name>.erase` (then the
 * directory is fsynced) while it is still the live file. Replacing the live name by rename then
 * leaves the old inode reachable under the held name, so that a crash at any later point leaves
 * it on disk, where the next open finds and erases it (a file handle opened before the rename
 * would reach the same inode, but dies with the process). A held name that still is the live file
 * (same inode) means that a compaction was interrupted before it replaced that file: that data
 * is live and never overwritten; the store compacts again at open (see compaction.ts).
 *
 * Limits: overwriting in place reaches the blocks the file system maps the file to. A
 * copy-on-write or log-structured file system (btrfs, ZFS, F2FS) or an SSD's flash translation
 * layer may keep older copies that no program can reach; against those, only an encrypted
 * volume whose key is destroyed, or a device-level sanitize, helps.
 *
 * @packageDocumentation
 */
import { link, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ERASE_SUFFIX, JOURNAL_FILE, SNAPSHOT_FILE, TMP_SUFFIX } from './format.js';
import { fsyncDir, overwriteWithZeros } from './files.js';

/** The data files replaced by rename; each may have a held old copy. */
export const DATA_FILES: readonly string[] = [SNAPSHOT_FILE, JOURNAL_FILE];

function errno(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** Overwrites the whole file at `path` with zeros (fdatasync); false when it does not exist. */
async function overwriteFile(path: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r+');
  } catch (e) {
    if (errno(e) === 'ENOENT') return false;
    throw e;
  }
  try {
    await overwriteWithZeros(fh, (await fh.stat()).size);
  } finally {
    await fh.close();
  }
  return true;
}

/** True when both paths exist and name the same inode. */
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch (e) {
    if (errno(e) === 'ENOENT') return false;
    throw e;
  }
}

/**
 * True when a held name is still the live data file: a compaction was interrupted before it
 * replaced that file, and should run again.
 *
 * @example
 * ```ts
 * if (await erasePending(dir)) await store.compact();
 * ```
 */
export async function erasePending(dir: string): Promise<boolean> {
  for (const name of DATA_FILES) {
    const live = join(dir, name);
    if (await sameFile(live + ERASE_SUFFIX, live)) return true;
  }
  return false;
}

/**
 * Holds live data files (default: both) for erasing, as described above: each gets its `.erase`
 * link (kept when it already is one; another file under that name is erased first), then the
 * directory is fsynced so that the links are durable before a live name is replaced. A missing
 * live file (a store that never compacted has no snapshot) is not held.
 *
 * @example
 * ```ts
 * await holdForErase(dir); // then replace snapshot.bin and journal.bin by rename, then
 * await eraseReleased(dir);
 * ```
 */
export async function holdForErase(dir: string, names = DATA_FILES): Promise<void> {
  for (const name of names) {
    const live = join(dir, name);
    const held = live + ERASE_SUFFIX;
    if (await sameFile(held, live)) continue;
    if (await overwriteFile(held)) await unlink(held);
    try {
      await link(live, held);
    } catch (e) {
      if (errno(e) !== 'ENOENT') throw e;
    }
  }
  await fsyncDir(dir);
}

/**
 * Erases what is no longer part of the state: every held copy that is not the live file any
 * more, and the temporary files of an interrupted replacement. First each of them is overwritten
 * with zeros, then `between` runs (a test's crash point), then they are unlinked and the
 * directory is fsynced. A held name that still is the live file is left alone.
 *
 * @example
 * ```ts
 * await eraseReleased(dir);
 * ```
 */
export async function eraseReleased(dir: string, between?: () => Promise<void>): Promise<void> {
  const erased: string[] = [];
  for (const name of DATA_FILES) {
    const live = join(dir, name);
    const candidates = [live + TMP_SUFFIX];
    if (!(await sameFile(live + ERASE_SUFFIX, live))) candidates.push(live + ERASE_SUFFIX);
    for (const path of candidates) if (await overwriteFile(path)) erased.push(path);
  }
  if (erased.length === 0) return;
  await between?.();
  for (const path of erased) await unlink(path);
  await fsyncDir(dir);
}
