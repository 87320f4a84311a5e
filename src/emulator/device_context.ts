/**
 * The device's live state as handlers see it: the model, the durable store, the device secrets,
 * the ephemeral key, the token's login tickets and the store generation. Slot numbers are
 * resolved here, once, with range checks before any lookup (a huge or negative slot is
 * ERR_NO_SUCH_SLOT, never a crash).
 */
import { createHash } from 'node:crypto';
import { KeyType } from '../protocol/constants.generated.js';
import { generateKeyPair, systemRandom, type KeyPair, type LockSecrets } from './crypto/index.js';
import { DeviceFault } from './fault.js';
import { classifySlot, type ModelSpec } from './models.js';
import type { PolicyRuntime } from './policy_runtime/runtime.js';
import type { DeviceStore, WriteOptions } from './store/index.js';
import { StoreGeneration } from './store_generation.js';
import { LoginTickets } from './token_tickets.js';

/** A key as an operation needs it. `privateKey` is absent for public-only keys. */
export interface SlotKey {
  readonly type: KeyType;
  readonly publicKey: Uint8Array;
  readonly privateKey?: Uint8Array;
  readonly exportDisabled: boolean;
}

const SETTING_SERIAL = 'device.serial';
const SETTING_LOCK_DEVICE = 'lock.device_secret';
const SETTING_LOCK_SIGNING = 'lock.signing_key';
/**
 * Set by self-destruct: the device's keys are gone for good, so a restart must not provision
 * factory keys or lock secrets again.
 */
export const SETTING_DESTROYED = 'device.destroyed';

/**
 * The "shared" (vendor cloud) lock key is the same on every device, so data locked with it on
 * one emulated device unlocks on another; it is derived from a fixed label.
 */
const SHARED_LOCK_SECRET = new Uint8Array(
  createHash('sha256').update('zkbridge emulator shared lock key v1').digest(),
);

/** Live device state for handlers. */
export class DeviceContext {
  readonly spec: ModelSpec;
  readonly store: DeviceStore;
  readonly serial: string;
  readonly lockSecrets: LockSecrets;
  ephemeral: KeyPair | undefined;
  /** The token's login tickets (memory only). */
  readonly tickets = new LoginTickets();
  /** The store generation: {@link changed} after every change of keys, foreign keys or token. */
  readonly generation: StoreGeneration;
  /** The device policies (binding, LED, perimeter, monitors); set by the device at open. */
  policy!: PolicyRuntime;
  /** Told about every change (the device sends STORE_CHANGED); set by the device. */
  onChange: ((generation: bigint, command: number) => void) | undefined;
  /** Lowest generated slot that may be free (a search hint; O(1) amortised generation). */
  #freeHint: number;
  /** Lets the next state change start; set while a change holds the device's turn. */
  #releaseTurn: (() => void) | undefined;

  private constructor(
    spec: ModelSpec,
    store: DeviceStore,
    serial: string,
    lock: LockSecrets,
    generation: StoreGeneration,
  ) {
    this.spec = spec;
    this.store = store;
    this.serial = serial;
    this.lockSecrets = lock;
    this.generation = generation;
    this.#freeHint = spec.generatedFirst;
  }

  /**
   * Counts a durable change of the key store, the foreign store or the token made by `command`;
   * returns the new generation, already announced ({@link onChange}: the device writes
   * STORE_CHANGED before the request's response).
   */
  changed(command: number): bigint {
    const generation = this.generation.bump();
    this.onChange?.(generation, command);
    return generation;
  }

  /**
   * Gives the device's turn for state changes to the caller until {@link commit} or the returned
   * function (for the device's mutation queue).
   */
  takeTurn(release: () => void): () => void {
    this.#releaseTurn = release;
    return () => {
      if (this.#releaseTurn === release) this.#releaseTurn = undefined;
      release();
    };
  }

  /**
   * Writes the one durable change of a state-changing request: `write` submits it to the store
   * (which applies it to what everyone reads at once), then the next state change may start while
   * this one waits for the disk, so that pipelined changes share a sync. Once the record is
   * durable, in commit order, the change is counted and announced ({@link changed}); then the
   * returned promise resolves with `write`'s result and the new generation.
   *
   * A request calls it at most once, as its last change of device state; what it reads before
   * must not be changed by anyone else meanwhile, which holding the turn guarantees.
   */
  async commit<T>(
    command: number,
    write: (options: WriteOptions) => Promise<T>,
  ): Promise<{ result: T; generation: bigint }> {
    let generation = this.generation.value;
    const durable = write({
      onDurable: () => {
        generation = this.changed(command);
      },
    });
    const release = this.#releaseTurn;
    this.#releaseTurn = undefined;
    release?.();
    const result = await durable;
    return { result, generation };
  }

  /**
   * Loads the device from its store; on first start, provisions the factory keys, the serial
   * number and the device secrets (durably, before the device serves anything).
   */
  static async load(spec: ModelSpec, store: DeviceStore): Promise<DeviceContext> {
    const destroyed = store.getSetting(SETTING_DESTROYED) !== undefined;
    for (const factory of destroyed ? [] : spec.factorySlots) {
      const existing = store.getKey(factory.slot);
      if (existing && existing.type === factory.type) continue;
      const pair = generateKeyPair(factory.type);
      await store.putKey({
        slot: factory.slot,
        origin: 'factory',
        exportDisabled: false,
        ...pair,
      });
    }
    const serial = await ensureSetting(store, SETTING_SERIAL, () =>
      new TextEncoder().encode(`ZKB${Buffer.from(systemRandom(5)).toString('hex').toUpperCase()}`),
    );
    // A destroyed device has no lock secrets any more; zeros stand in (nothing reaches them: the
    // policy gate refuses every security command).
    const deviceSecret = destroyed
      ? new Uint8Array(32)
      : await ensureSetting(store, SETTING_LOCK_DEVICE, () => systemRandom(32));
    const signingKey = destroyed
      ? new Uint8Array(32)
      : await ensureSetting(
          store,
          SETTING_LOCK_SIGNING,
          () => generateKeyPair(KeyType.P256).privateKey,
        );
    const generation = await StoreGeneration.start(store);
    return new DeviceContext(
      spec,
      store,
      new TextDecoder().decode(serial),
      { deviceSecret, sharedSecret: SHARED_LOCK_SECRET, signingKey },
      generation,
    );
  }

  /** The key in one of the device's own slots (including the ephemeral slot -1). */
  ownKey(slot: number): SlotKey {
    const where = classifySlot(this.spec, slot);
    if (where === 'ephemeral') {
      if (!this.ephemeral) throw new DeviceFault('ERR_NO_SUCH_SLOT', 'no ephemeral key');
      return { ...this.ephemeral, exportDisabled: false };
    }
    if (where === 'factory' || where === 'generated') {
      const rec = this.store.getKey(slot);
      if (rec) {
        return {
          type: rec.type as KeyType,
          publicKey: rec.publicKey,
          exportDisabled: rec.exportDisabled,
          ...(rec.privateKey.length > 0 ? { privateKey: rec.privateKey } : {}),
        };
      }
    }
    throw new DeviceFault('ERR_NO_SUCH_SLOT', `slot ${slot} holds no key`);
  }

  /** A key from the foreign public-key store. */
  foreignKey(slot: number): SlotKey {
    this.requireForeignStore();
    const rec = Number.isInteger(slot) && slot >= 0 ? this.store.getForeign(slot) : undefined;
    if (!rec) throw new DeviceFault('ERR_NO_SUCH_SLOT', `foreign slot ${slot} holds no key`);
    return {
      type: rec.type as KeyType,
      publicKey: rec.publicKey,
      exportDisabled: rec.exportDisabled,
    };
  }

  /** A key by slot from either store. */
  key(slot: number, foreign: boolean): SlotKey {
    return foreign ? this.foreignKey(slot) : this.ownKey(slot);
  }

  /** A key that must have its private part. */
  privateKey(slot: number): SlotKey & { privateKey: Uint8Array } {
    const key = this.ownKey(slot);
    if (!key.privateKey) throw new DeviceFault('ERR_NO_PRIVATE_KEY', `slot ${slot} is public only`);
    return { ...key, privateKey: key.privateKey };
  }

  /** Refuses on models without a foreign store. */
  requireForeignStore(): void {
    if (this.spec.foreignMax === 0)
      throw new DeviceFault('ERR_UNSUPPORTED_MODEL', 'no foreign key store');
  }

  /** A free generated slot, or ERR_KEY_STORE_FULL. */
  freeGeneratedSlot(): number {
    const end = this.spec.generatedFirst + this.spec.generatedMax;
    for (let slot = this.#freeHint; slot < end; slot++) {
      if (!this.store.getKey(slot)) {
        this.#freeHint = slot + 1;
        return slot;
      }
    }
    this.#freeHint = end;
    throw new DeviceFault('ERR_KEY_STORE_FULL', 'the generated key store is full');
  }

  /** Tells the search hint that a generated slot became free. */
  slotFreed(slot: number): void {
    if (slot >= this.spec.generatedFirst && slot < this.#freeHint) this.#freeHint = slot;
  }

  /** A free foreign slot, or ERR_FOREIGN_STORE_FULL. */
  freeForeignSlot(): number {
    for (let slot = 0; slot < this.spec.foreignMax; slot++) {
      if (!this.store.getForeign(slot)) return slot;
    }
    throw new DeviceFault('ERR_FOREIGN_STORE_FULL', 'the foreign key store is full');
  }
}

async function ensureSetting(
  store: DeviceStore,
  name: string,
  make: () => Uint8Array,
): Promise<Uint8Array> {
  const existing = store.getSetting(name);
  if (existing) return existing;
  const value = make();
  await store.putSetting(name, value);
  return value;
}
