/**
 * Supervised boot (SCM, commands 0x0Cxx): a manifest of boot-partition files, each signed with a
 * factory slot (0-15), checked at every host boot, and a policy for a failed check.
 *
 * What a failed check does (SCM FAQ, "Dev vs production" table):
 * - developer mode: fatal code 4/2 (a file failed its check) or 22/9 (the check itself could not
 *   run), then the device carries on: the fatal-code reboot that ends the sequence does not check
 *   again (only a host boot does), so a developer sees the code and keeps working;
 * - production mode: policy NO_ACTION boots anyway; DESTROY destroys the keys; HOLD_RESET keeps
 *   the host in reset (the device answers nothing, the LED shows the code for ever) until a boot
 *   passes the check.
 * Quirks: `supboot-policy-unimplemented` (issue #126: the policy call is refused and a failure in
 * production destroys the keys), `led-alpha-codes` (alpha showed 22/9 for a failed file),
 * `manifest-separator-lost` (issue #87: names merge at 1 KB storage chunk boundaries).
 *
 * The model keeps the manifest; the emulator reads the files, signs and checks them.
 *
 * @packageDocumentation
 */
import { Feature, SupbootPolicy } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed } from './gate.js';
import { selfDestruct, type WipeTarget } from './self_destruct.js';
import {
  hasFeature,
  hasQuirk,
  type BootCheck,
  type BootFileEntry,
  type FatalDisplay,
  type Policy,
  type PolicyState,
} from './state.js';

/** Factory slots that may sign boot files: 0 ..= 15. */
export const SUPBOOT_SLOT_MAX = 15;
/** The library's default signing slot. */
export const SUPBOOT_DEFAULT_SLOT = 15;
/** Longest path accepted, in UTF-8 bytes. */
export const SUPBOOT_PATH_MAX = 255;
/** Manifest capacity: the space-joined listing fits four 1 KB storage chunks. */
export const SUPBOOT_MANIFEST_MAX_BYTES = 4096;
/** Storage chunk size of the manifest (issue #87's boundary). */
export const SUPBOOT_CHUNK_BYTES = 1024;

const utf8 = new TextEncoder();

function requireSupervisedBoot(policy: Policy, cls: 'device' | 'security'): void {
  assertAllowed(policy.state, cls);
  if (!hasFeature(policy.state, Feature.SUPERVISED_BOOT)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${policy.state.model} has no supervised boot`);
  }
}

/**
 * A boot-file path as the manifest keeps it: relative to the boot partition, `/`-separated, no
 * empty, `.` or `..` segment, no space (the library's listing is space-separated), no control
 * character or backslash.
 *
 * @example
 * ```ts
 * normalizeBootPath('overlays/vc4-kms-v3d.dtbo'); // 'overlays/vc4-kms-v3d.dtbo'
 * normalizeBootPath('/boot/config.txt'); // throws ERR_SUPBOOT_PATH_INVALID
 * ```
 * @throws PolicyError `ERR_SUPBOOT_PATH_INVALID`.
 */
export function normalizeBootPath(path: string): string {
  const bad = (why: string): never => {
    throw new PolicyError('ERR_SUPBOOT_PATH_INVALID', `boot file path ${why}`);
  };
  if (path === '') bad('is empty');
  if (utf8.encode(path).length > SUPBOOT_PATH_MAX) bad(`is over ${SUPBOOT_PATH_MAX} bytes`);
  if (path.startsWith('/')) bad('must be relative to the boot partition');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f\\]/u.test(path)) bad('has a space, backslash or control character');
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') bad('leaves the boot partition');
  }
  return path;
}

/**
 * Checks a signing slot number: factory slots 0 ..= 15 only.
 *
 * @example
 * ```ts
 * checkBootSlot(15);
 * ```
 * @throws PolicyError `ERR_SUPBOOT_SLOT_INVALID`.
 */
export function checkBootSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > SUPBOOT_SLOT_MAX) {
    throw new PolicyError('ERR_SUPBOOT_SLOT_INVALID', 'boot files are signed with slots 0..15');
  }
}

/**
 * ADD_OR_UPDATE_SUPERVISED_BOOT_FILE, once the emulator has signed the file: a listed path is
 * updated in place (new slot, digest, signature), a new one is appended.
 *
 * @example
 * ```ts
 * addOrUpdateBootFile(policy, { path: 'config.txt', slot: 15, digest, signature });
 * ```
 * @throws PolicyError `ERR_SUPBOOT_PATH_INVALID`, `ERR_SUPBOOT_SLOT_INVALID`,
 *   `ERR_SUPBOOT_MANIFEST_FULL`, `ERR_UNSUPPORTED_MODEL`, the security refusals.
 */
export function addOrUpdateBootFile(policy: Policy, entry: BootFileEntry): void {
  requireSupervisedBoot(policy, 'security');
  const path = normalizeBootPath(entry.path);
  checkBootSlot(entry.slot);
  const files = policy.state.supervisedBoot.files;
  const at = files.findIndex((f) => f.path === path);
  const copy = { ...entry, path };
  if (at >= 0) {
    files[at] = copy;
    return;
  }
  const bytes = utf8.encode([...files.map((f) => f.path), path].join(' ')).length;
  if (bytes > SUPBOOT_MANIFEST_MAX_BYTES) {
    throw new PolicyError('ERR_SUPBOOT_MANIFEST_FULL', 'the supervised-boot manifest is full');
  }
  files.push(copy);
}

/**
 * REMOVE_SUPERVISED_BOOT_FILE. An empty manifest turns supervised boot off (and ends a hold
 * at the next boot).
 *
 * @example
 * ```ts
 * removeBootFile(policy, 'config.txt');
 * ```
 * @throws PolicyError `ERR_SUPBOOT_PATH_INVALID`, `ERR_SUPBOOT_NOT_IN_MANIFEST`,
 *   `ERR_UNSUPPORTED_MODEL`, `ERR_DEVICE_HALTED`.
 */
export function removeBootFile(policy: Policy, path: string): void {
  requireSupervisedBoot(policy, 'device');
  const p = normalizeBootPath(path);
  const files = policy.state.supervisedBoot.files;
  const at = files.findIndex((f) => f.path === p);
  if (at < 0) throw new PolicyError('ERR_SUPBOOT_NOT_IN_MANIFEST', `${p} is not in the manifest`);
  files.splice(at, 1);
}

/**
 * SET_SUPERVISED_BOOT_POLICY; allowed in production mode too ("no limit" in the SCM FAQ).
 *
 * @example
 * ```ts
 * setSupervisedBootPolicy(policy, SupbootPolicy.HOLD_RESET);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (unknown policy), `ERR_UNSUPPORTED_MODEL` (DESTROY on
 *   the EDU variant, or no supervised boot), `ERR_SUPBOOT_POLICY_UNSUPPORTED` (quirk #126),
 *   `ERR_DEVICE_HALTED`.
 */
export function setSupervisedBootPolicy(policy: Policy, value: number): void {
  requireSupervisedBoot(policy, 'device');
  const s = policy.state;
  if (hasQuirk(s, 'supboot-policy-unimplemented')) {
    throw new PolicyError('ERR_SUPBOOT_POLICY_UNSUPPORTED', 'this firmware has no boot policy');
  }
  if (!Object.values(SupbootPolicy).includes(value as SupbootPolicy)) {
    throw new PolicyError('ERR_INVALID_ARG', 'policy must be NO_ACTION, DESTROY or HOLD_RESET');
  }
  if (value === SupbootPolicy.DESTROY && s.variant.noSelfDestruct) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', 'this variant never self-destructs');
  }
  s.supervisedBoot.policy = value;
}

/**
 * GET_SUPERVISED_BOOT_MANIFEST: the paths in the order they were added. With the
 * `manifest-separator-lost` quirk the names are packed into 1 KB chunks and the separator
 * between two chunks is lost, so the last name of one chunk and the first of the next come back
 * as one.
 *
 * @example
 * ```ts
 * bootManifest(policy); // ['config.txt', 'cmdline.txt']
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL`, `ERR_DEVICE_HALTED`.
 */
export function bootManifest(policy: Policy): string[] {
  requireSupervisedBoot(policy, 'device');
  const names = policy.state.supervisedBoot.files.map((f) => f.path);
  if (!hasQuirk(policy.state, 'manifest-separator-lost')) return names;
  const chunks: string[] = [];
  let chunk = '';
  for (const name of names) {
    const next = chunk === '' ? name : `${chunk} ${name}`;
    if (chunk !== '' && utf8.encode(next).length > SUPBOOT_CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = name;
    } else {
      chunk = next;
    }
  }
  if (chunk !== '') chunks.push(chunk);
  return chunks.join('').split(' ');
}

/** The fatal code of a failed check: 22/9 for the process (and, on alpha, for a file), else 4/2. */
function failureDisplay(state: PolicyState, status: BootCheck['status']): FatalDisplay {
  return status === 'process-failed' || hasQuirk(state, 'led-alpha-codes')
    ? { main: 22, sub: 9, cause: 'supervised-boot' }
    : { main: 4, sub: 2, cause: 'supervised-boot' };
}

/**
 * The code a supervised-boot hold shows (for ever, while held).
 *
 * @example
 * ```ts
 * holdDisplay(state); // { main: 4, sub: 2, cause: 'supervised-boot' } while held
 * ```
 */
export function holdDisplay(state: PolicyState): FatalDisplay | null {
  const held = state.supervisedBoot.held;
  return held === null ? null : failureDisplay(state, held);
}

/**
 * Applies a boot's check of the manifest (see the module comment). An empty manifest means
 * supervised boot is off: nothing is checked and any hold ends.
 *
 * @example
 * ```ts
 * const wiped = applyBootCheck(policy, { status: 'file-failed', failed: ['config.txt'] });
 * ```
 * @returns Key material destroyed (production, DESTROY), to wipe now.
 */
export function applyBootCheck(policy: Policy, check: BootCheck): WipeTarget[] {
  const s = policy.state;
  const sb = s.supervisedBoot;
  sb.held = null;
  if (sb.files.length === 0 || !hasFeature(s, Feature.SUPERVISED_BOOT)) {
    sb.lastCheck = null;
    return [];
  }
  sb.lastCheck = { ...check, failed: [...check.failed], at: Math.floor(policy.env.now() / 1000) };
  if (check.status === 'ok' || s.destroyed !== null) return [];
  if (!s.binding.production) {
    if (s.led.fatal === null) s.led.fatal = failureDisplay(s, check.status);
    return [];
  }
  const effective = hasQuirk(s, 'supboot-policy-unimplemented') ? SupbootPolicy.DESTROY : sb.policy;
  if (effective === SupbootPolicy.DESTROY && !s.variant.noSelfDestruct) {
    return selfDestruct(policy, 'supervised-boot');
  }
  if (effective === SupbootPolicy.HOLD_RESET) sb.held = check.status;
  return [];
}
