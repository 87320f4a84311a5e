/**
 * The host side of device binding: a fingerprint of the machine the emulator runs on and a salt
 * kept in the state directory (the emulator's stand-in for the host service's /var/lib/zymbit).
 * Another machine changes the fingerprint; a lost or rewritten salt file changes the salt. The
 * device keeps only a digest of the pair (policy/binding.ts).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { HostIdentity } from '../policy/index.js';
import { fsyncDir, readIfExists, replaceFile } from '../store/files.js';

/** Name of the host salt file in the state directory. */
export const HOST_SALT_FILE = 'host-salt';

/**
 * The default host fingerprint: SHA-256 of /etc/machine-id, else of the host name.
 *
 * @example
 * ```ts
 * const fingerprint = await defaultHostFingerprint(); // 64 hex digits
 * ```
 */
export async function defaultHostFingerprint(): Promise<string> {
  let source: string;
  try {
    source = (await readFile('/etc/machine-id', 'utf8')).trim();
  } catch {
    source = '';
  }
  if (source === '') source = `hostname:${hostname()}`;
  return createHash('sha256').update(source).digest('hex');
}

/**
 * The host salt of a state directory: read from {@link HOST_SALT_FILE}, or made and written
 * (atomically) when the file is missing or empty.
 *
 * @example
 * ```ts
 * const salt = await hostSalt(stateDir, () => randomBytes(16));
 * ```
 */
export async function hostSalt(dir: string, random: (n: number) => Uint8Array): Promise<string> {
  const path = join(dir, HOST_SALT_FILE);
  const existing = (await readIfExists(path)) ?? new Uint8Array(0);
  const text = new TextDecoder().decode(existing).trim();
  if (text !== '') return text;
  const salt = Buffer.from(random(16)).toString('hex');
  const fh = await replaceFile(path, new TextEncoder().encode(`${salt}\n`));
  await fh.close();
  await fsyncDir(dir);
  return salt;
}

/**
 * The identity the host presents at boot: `fingerprint` (default: {@link defaultHostFingerprint})
 * with the state directory's salt; null when there is no host service.
 *
 * @example
 * ```ts
 * const host = await hostIdentity(stateDir, undefined, random);
 * ```
 */
export async function hostIdentity(
  dir: string,
  fingerprint: string | null | undefined,
  random: (n: number) => Uint8Array,
): Promise<HostIdentity | null> {
  if (fingerprint === null) return null;
  return {
    fingerprint: fingerprint ?? (await defaultHostFingerprint()),
    salt: await hostSalt(dir, random),
  };
}
