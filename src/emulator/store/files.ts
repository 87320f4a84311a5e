/**
 * Small durable-file helpers for the store (all files 0600).
 *
 * @packageDocumentation
 */
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ioError } from './errors.js';
import { TMP_SUFFIX } from './format.js';

/** Zeros are written in chunks of up to this size. */
const ZERO_CHUNK = 1 << 20;

/** fsyncs a directory, making renames and creations inside it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Creates `dir` (0700) with its missing parents, syncing the parent of the first one created. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (created !== undefined) await fsyncDir(dirname(created));
  } catch (e) {
    throw ioError(`creating ${dir}`, e, dir);
  }
}

/** Writes all of `data` at `position` (looping over short writes). */
export async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Overwrites the first `length` bytes of an open file with zeros and `fdatasync`s them (the same
 * blocks, as far as the file system overwrites in place: see erase.ts).
 *
 * @example
 * ```ts
 * await overwriteWithZeros(fh, (await fh.stat()).size);
 * ```
 */
export async function overwriteWithZeros(fh: FileHandle, length: number): Promise<void> {
  const zeros = new Uint8Array(Math.min(length, ZERO_CHUNK));
  for (let at = 0; at < length; at += zeros.length) {
    await writeAll(fh, zeros.subarray(0, Math.min(zeros.length, length - at)), at);
  }
  await fh.datasync();
}

/** The file's bytes, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.length); // plain views: cheaper subarray()
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') return undefined;
    throw ioError(`reading ${path}`, e, path);
  }
}

/**
 * Writes `data` to `path + .tmp`, fsyncs it and renames it over `path`, returning the open
 * handle (read/write) of the new file. The caller fsyncs the directory to make the rename durable
 * (and holds the file it replaces for erasing first: erase.ts). On failure the temporary file is
 * overwritten with zeros before it is removed.
 */
export async function replaceFile(path: string, data: Uint8Array): Promise<FileHandle> {
  const tmp = path + TMP_SUFFIX;
  const fh = await open(tmp, 'w+', 0o600);
  try {
    await writeAll(fh, data, 0);
    await fh.sync();
    await rename(tmp, path);
    return fh;
  } catch (e) {
    await overwriteWithZeros(fh, data.length).catch(() => undefined);
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}
