/**
 * The exclusive lock on a state directory, so two emulators never share one.
 *
 * The lock is a file `lock` holding the owner's pid. It is created atomically with its content
 * (the pid is written to `lock.<pid>.tmp`, which is then hard-linked to `lock`; `link` fails if
 * `lock` exists), so a lock file is never seen empty. A lock whose pid is not a live process
 * (checked with signal 0, in this pid namespace) is stale and taken over: it is renamed aside and
 * removed only if the file moved is the one judged stale (same inode), so two processes taking
 * over at once cannot both win.
 *
 * @packageDocumentation
 */
import { link, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, ioError } from './errors.js';
import { LOCK_FILE } from './format.js';

function errno(e: unknown): string | undefined {
  return e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/** True when `pid` names a live process (or one we may not signal). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

function parsePid(text: string): number | undefined {
  const m = /^(\d+)\n?$/.exec(text);
  const pid = m === null ? NaN : Number(m[1]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes leftovers (`lock.<pid>.tmp`, `lock.stale.<pid>`) of processes that died. */
async function sweep(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const m = /^lock\.(?:stale\.)?(\d+)(?:\.tmp)?$/.exec(name);
    if (m === null || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    await rm(join(dir, name), { force: true });
  }
}

/** A held lock on a state directory. */
export class DirLock {
  readonly #path: string;
  #held = true;

  private constructor(path: string) {
    this.#path = path;
  }

  /**
   * Takes the lock on `dir`, taking over a stale one.
   *
   * @throws StoreError `ERR_STORAGE_LOCKED` when a live process holds it.
   */
  static async acquire(dir: string): Promise<DirLock> {
    const path = join(dir, LOCK_FILE);
    const tmp = join(dir, `${LOCK_FILE}.${process.pid}.tmp`);
    try {
      await sweep(dir);
      await writeFile(tmp, `${process.pid}\n`, { mode: 0o600 });
      for (let attempt = 0; attempt < 8; attempt++) {
        try {
          await link(tmp, path);
          return new DirLock(path);
        } catch (e) {
          if (errno(e) !== 'EEXIST') throw e;
        }
        let ino: number;
        let text: string;
        try {
          ino = (await stat(path)).ino;
          text = await readFile(path, 'utf8');
        } catch (e) {
          if (errno(e) === 'ENOENT') continue;
          throw e;
        }
        const pid = parsePid(text);
        if (pid !== undefined && processAlive(pid)) {
          throw new StoreError(
            'ERR_STORAGE_LOCKED',
            `state directory ${dir} is in use by process ${pid} (lock file ${path})`,
            { file: path },
          );
        }
        const aside = join(dir, `${LOCK_FILE}.stale.${process.pid}`);
        try {
          await rename(path, aside);
        } catch (e) {
          if (errno(e) === 'ENOENT') continue;
          throw e;
        }
        if ((await stat(aside)).ino !== ino) {
          // Someone replaced the stale lock with a fresh one meanwhile: put theirs back.
          await link(aside, path).catch(() => undefined);
        }
        await rm(aside, { force: true });
      }
      throw new StoreError('ERR_STORAGE_LOCKED', `could not take the lock ${path} (contended)`, {
        file: path,
      });
    } catch (e) {
      if (e instanceof StoreError) throw e;
      throw ioError(`locking ${dir}`, e, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Releases the lock (idempotent). */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await rm(this.#path, { force: true });
  }
}
