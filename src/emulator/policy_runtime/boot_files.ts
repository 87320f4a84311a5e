/**
 * Supervised boot on the emulator's side: the boot partition is a directory (default
 * `<state dir>/boot`, option `bootDir`), files are signed as SHA-256 digests by a factory slot,
 * and at every host boot each manifest entry is checked again: the file must still have the
 * signed digest and the signature must verify with the slot's public key.
 *
 * A file that is missing, unreadable or changed fails its check (code 4/2); a boot partition
 * that is missing, or a signing key that is gone, means the check itself cannot run (22/9).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { KeyType } from '../../protocol/constants.generated.js';
import { signDigest, signEd25519, verifyDigest, verifyEd25519 } from '../crypto/index.js';
import type { DeviceContext, SlotKey } from '../device_context.js';
import { DeviceFault } from '../fault.js';
import {
  checkBootSlot,
  normalizeBootPath,
  type BootCheck,
  type BootFileEntry,
  type PolicyState,
} from '../policy/index.js';

/**
 * The boot partition directory of a device: the option, else `<state dir>/boot`.
 *
 * @example
 * ```ts
 * bootDirFor('/var/lib/zkbridge/hsm', undefined); // '/var/lib/zkbridge/hsm/boot'
 * ```
 */
export function bootDirFor(stateDir: string, option: string | undefined): string {
  return option ?? join(stateDir, 'boot');
}

/**
 * SHA-256 of a boot file, read from inside the boot directory only (a symbolic link that leads
 * out of it is refused).
 *
 * @throws DeviceFault `ERR_SUPBOOT_FILE_NOT_FOUND` (missing, unreadable, not a regular file),
 *   `ERR_SUPBOOT_PATH_INVALID` (leads out of the boot directory).
 */
export async function digestBootFile(bootDir: string, path: string): Promise<Uint8Array> {
  const missing = (why: string): DeviceFault =>
    new DeviceFault('ERR_SUPBOOT_FILE_NOT_FOUND', `boot file ${path}: ${why}`);
  let root: string;
  let file: string;
  try {
    root = await realpath(bootDir);
    file = await realpath(join(root, path));
  } catch {
    throw missing('not found');
  }
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') {
    throw new DeviceFault('ERR_SUPBOOT_PATH_INVALID', `boot file ${path} leads out of /boot`);
  }
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw missing('not a regular file');
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    throw missing('unreadable');
  }
  return new Uint8Array(hash.digest());
}

/** The key of a signing slot, refused as the supervised-boot commands refuse. */
function signingKey(device: DeviceContext, slot: number): SlotKey & { privateKey: Uint8Array } {
  checkBootSlot(slot);
  let key: SlotKey & { privateKey: Uint8Array };
  try {
    key = device.privateKey(slot);
  } catch {
    throw new DeviceFault('ERR_SUPBOOT_SLOT_INVALID', `slot ${slot} holds no signing key`);
  }
  if (key.type === KeyType.X25519) {
    throw new DeviceFault('ERR_SUPBOOT_SLOT_INVALID', `slot ${slot} holds an X25519 key`);
  }
  return key;
}

/**
 * Signs a boot file with a factory slot: the manifest entry ADD_OR_UPDATE stores.
 *
 * @example
 * ```ts
 * const entry = await signBootFile(device, bootDir, 'config.txt', 15);
 * ```
 * @throws DeviceFault or PolicyError with the ERR_SUPBOOT_* statuses.
 */
export async function signBootFile(
  device: DeviceContext,
  bootDir: string,
  path: string,
  slot: number,
): Promise<BootFileEntry> {
  const normalized = normalizeBootPath(path);
  const key = signingKey(device, slot);
  const digest = await digestBootFile(bootDir, normalized);
  const signature =
    key.type === KeyType.ED25519
      ? signEd25519(key.privateKey, digest)
      : signDigest(key.type, key.privateKey, digest, { lowS: false }).signature;
  return {
    path: normalized,
    slot,
    digest: Buffer.from(digest).toString('hex'),
    signature: Buffer.from(signature).toString('hex'),
  };
}

function verifies(key: SlotKey, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    return key.type === KeyType.ED25519
      ? verifyEd25519(key.publicKey, digest, signature)
      : verifyDigest(key.type, key.publicKey, digest, signature);
  } catch {
    return false;
  }
}

/**
 * Checks every manifest entry at a host boot (see the module comment). An empty manifest is
 * `ok` without touching the disk.
 *
 * @example
 * ```ts
 * const check = await checkBootFiles(device, bootDir, policy.state);
 * ```
 */
export async function checkBootFiles(
  device: DeviceContext,
  bootDir: string,
  state: PolicyState,
): Promise<BootCheck> {
  const files = state.supervisedBoot.files;
  if (files.length === 0) return { status: 'ok', failed: [] };
  const dir = await stat(bootDir).catch(() => undefined);
  if (!dir?.isDirectory()) return { status: 'process-failed', failed: ['boot partition missing'] };
  const failed: string[] = [];
  for (const entry of files) {
    let key: SlotKey;
    try {
      key = device.key(entry.slot, false);
    } catch {
      return { status: 'process-failed', failed: [`slot ${entry.slot} lost its key`] };
    }
    const digest = await digestBootFile(bootDir, entry.path).catch(() => undefined);
    const ok =
      digest !== undefined &&
      Buffer.from(digest).toString('hex') === entry.digest &&
      verifies(key, digest, Buffer.from(entry.signature, 'hex'));
    if (!ok) failed.push(entry.path);
  }
  return failed.length === 0 ? { status: 'ok', failed } : { status: 'file-failed', failed };
}
