/**
 * What ties the policy runtime to the emulated device: opening it next to the device store,
 * the events it sends through the device, the reset side effects, and self-destruct applied to
 * the device's key material.
 *
 * @packageDocumentation
 */
import { SETTING_DESTROYED, type DeviceContext } from '../device_context.js';
import type { PolicyQuirk, PolicyVariant, WipeTarget } from '../policy/index.js';
import { bootDirFor, checkBootFiles } from './boot_files.js';
import { PolicyRuntime } from './runtime.js';

/** Emulator options of the device policies. */
export interface PolicyOptions {
  /**
   * Fingerprint of the host the device runs on (default: SHA-256 of /etc/machine-id, else of the
   * host name). Another value is another host: a production device then cannot bind. null: no
   * host service, the device stays unbound.
   */
  host?: string | null;
  /** Variant of a device fresh from the factory (EDU, production temperature behaviour). */
  policyVariant?: Partial<PolicyVariant>;
  /**
   * Firmware quirks to reproduce, by name (src/emulator/policy/quirks.ts), already checked
   * against the firmware (EmulatedDevice.open resolves its `quirks` option to this). Default none.
   */
  policyQuirks?: readonly PolicyQuirk[];
  /** How long a reset keeps the device busy (ERR_BUSY), in ms. Default 0. */
  resetMs?: number;
  /** The boot partition supervised boot signs and checks; default `<state dir>/boot`. */
  bootDir?: string;
  /** Clock of the policies in ms since the epoch; default Date.now. */
  policyClock?: () => number;
}

/** Device settings that hold the data-lock secrets. */
const LOCK_SETTINGS = ['lock.device_secret', 'lock.signing_key'];

/**
 * Opens the policy runtime of `device` (restoring its state, powering it on) and connects it.
 *
 * @example
 * ```ts
 * await openPolicy(context, { host: 'pi-1' }, broadcast);
 * context.policy.gate(true); // undefined: bound in developer mode
 * ```
 */
export async function openPolicy(
  device: DeviceContext,
  options: PolicyOptions,
  broadcast: (event: number, payload: Uint8Array) => void,
  failure: (error: unknown) => void = () => undefined,
): Promise<PolicyRuntime> {
  const bootDir = bootDirFor(device.store.dir, options.bootDir);
  const runtime = await PolicyRuntime.open({
    model: device.spec.name,
    store: device.store,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.policyVariant === undefined ? {} : { variant: options.policyVariant }),
    ...(options.policyClock === undefined ? {} : { now: options.policyClock }),
    ...(options.policyQuirks === undefined ? {} : { quirks: options.policyQuirks }),
    ...(options.resetMs === undefined ? {} : { resetMs: options.resetMs }),
    bootDir,
    bootCheck: (state) => checkBootFiles(device, bootDir, state),
  });
  device.policy = runtime;
  await runtime.start({
    event: broadcast,
    wipe: (targets) => wipeKeyMaterial(device, targets),
    reset: () => {
      device.ephemeral = undefined; // a reset erases the ephemeral key
    },
    failure,
  });
  return runtime;
}

/**
 * Self-destruct: destroys `targets` for good. The records are removed from the store (whose
 * committed copy zeroes their bytes in memory once each removal is durable), secret bytes held
 * elsewhere in memory are overwritten with zeros, and the store is compacted at once: the new
 * snapshot and journal are durable before the old files, which still hold the removed records,
 * are overwritten with zeros in place and dropped (`DeviceStore.compact`, crash-safe: an
 * interrupted erase is finished at the next open). Bytes are zeroed only after their removal is
 * durable, so that no snapshot can ever capture a zeroed key that is still live.
 */
export async function wipeKeyMaterial(
  device: DeviceContext,
  targets: readonly WipeTarget[],
): Promise<void> {
  const t = new Set(targets);
  const store = device.store;
  const own = [...store.keys()].filter((k) =>
    k.origin === 'factory'
      ? t.has('factory-keys')
      : k.origin === 'wallet'
        ? t.has('wallets') || t.has('generated-keys')
        : t.has('generated-keys') || t.has('generated-pairs'),
  );
  if (t.has('factory-keys')) {
    // Self-destruct: recorded first, so that a restart never provisions new factory keys.
    await store.putSetting(SETTING_DESTROYED, Uint8Array.of(1));
  }
  if (own.length > 0) {
    const slots = own.map((k) => k.slot);
    try {
      await store.removeKeys(slots);
    } finally {
      for (const k of own) k.privateKey.fill(0);
    }
    for (const slot of slots) device.slotFreed(slot);
  }
  if (t.has('ephemeral-key') && device.ephemeral) {
    device.ephemeral.privateKey.fill(0);
    device.ephemeral = undefined;
  }
  if (t.has('foreign-keys')) {
    for (const f of [...store.foreignKeys()]) await store.removeForeign(f.slot);
  }
  if (t.has('data-lock-keys')) {
    try {
      for (const name of LOCK_SETTINGS) {
        if (store.getSetting(name)) await store.deleteSetting(name);
      }
    } finally {
      device.lockSecrets.deviceSecret.fill(0);
      device.lockSecrets.signingKey.fill(0);
    }
  }
  if (t.has('token-store') && store.token) {
    await store.putToken(
      {
        ...store.token,
        initialized: false,
        label: '',
        soVerifier: new Uint8Array(0),
        userVerifier: new Uint8Array(0),
      },
      true,
    );
  }
  await store.compact();
}
