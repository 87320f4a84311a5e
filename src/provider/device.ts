/**
 * The device client: `await Device.connect()` gives a typed API over the device protocol, named
 * after the vendor library's functions (camelCase), taking and returning `Uint8Array`s.
 *
 * @packageDocumentation
 */
import { Command, Status } from '../protocol/constants.generated.js';
import { decodeResponse, encodeRequest, type Payload } from '../protocol/payload_codec.js';
import type { KnownIssue } from '../firmware/index.js';
import { addressFromEnv, parseAddress, type DeviceAddress } from './address.js';
import type { HelloInfo } from './connection.js';
import { startEmbedded, type EmbeddedEmulator, type EmbeddedOptions } from './embedded.js';
import { DeviceError } from './errors.js';
import { checkFirmwareIssueOptions } from './firmware_issues.js';
import { DeviceLink, type LinkOptions } from './link.js';
import { keyTypeOf, type KeyTypeInput } from './key_types.js';

/** Options of {@link Device.connect}. */
export interface DeviceOptions extends LinkOptions {
  /** `unix:/path`, `tcp:host:port` or `emulator`; default `ZKBRIDGE_DEVICE`, else `emulator`. */
  address?: string | DeviceAddress;
  /** Settings of the embedded emulator when the address is `emulator`. */
  emulator?: EmbeddedOptions;
}

/** An ECDSA signature as the device returns it. */
export interface DigestSignature {
  /** r||s, 64 bytes. */
  signature: Uint8Array;
  /** y parity of R (0 or 1); 0 for Ed25519. */
  recoveryId: number;
}

function digest32(digest: Uint8Array): Uint8Array {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new TypeError('digest must be a 32-byte Uint8Array');
  }
  return digest;
}

/**
 * A connected device.
 *
 * @example
 * ```ts
 * const device = await Device.connect(); // ZKBRIDGE_DEVICE, or an embedded emulator
 * const slot = await device.genKeyPair('nistp256');
 * const { signature } = await device.genECDSASigFromDigest(sha256(data), slot);
 * await device.close();
 * ```
 */
export class Device {
  readonly #link: DeviceLink;
  readonly #embedded: EmbeddedEmulator | undefined;

  private constructor(link: DeviceLink, embedded: EmbeddedEmulator | undefined) {
    this.#link = link;
    this.#embedded = embedded;
    void embedded?.exited.then((code) => {
      // Nobody restarts an embedded emulator: waiting for it to come back would be futile.
      const why = `the embedded emulator exited (${code ?? 'killed'})`;
      return link.close(DeviceError.client('ERR_DEVICE_UNREACHABLE', why));
    });
  }

  /** Connects to the configured device (see {@link DeviceOptions.address}). */
  static async connect(options: DeviceOptions = {}): Promise<Device> {
    checkFirmwareIssueOptions(options);
    const address =
      options.address === undefined
        ? addressFromEnv()
        : typeof options.address === 'string'
          ? parseAddress(options.address)
          : options.address;
    if (address.kind !== 'emulator') {
      return new Device(await DeviceLink.open(address, options), undefined);
    }
    const embedded = await startEmbedded(options.emulator);
    try {
      const link = await DeviceLink.open({ kind: 'unix', path: embedded.socketPath }, options);
      return new Device(link, embedded);
    } catch (error) {
      await embedded.stop();
      throw error;
    }
  }

  /** Model, serial, firmware and limits reported at connection (the latest, after a reconnect). */
  get info(): HelloInfo {
    return this.#link.hello;
  }

  /**
   * Known issues of the device's firmware (`zkbridge/firmware`), for the latest connection;
   * empty when there are none or the firmware string does not parse. See docs/firmware.md.
   *
   * @example
   * ```ts
   * for (const issue of device.knownIssues) console.log(issue.id, issue.workaround);
   * ```
   */
  get knownIssues(): readonly KnownIssue[] {
    return this.#link.knownIssues;
  }

  /** True while the link to the device is up (it is re-established after a device restart). */
  get connected(): boolean {
    return this.#link.connected;
  }

  /** Closes the connection (and stops the embedded emulator, if any). */
  async close(): Promise<void> {
    await this.#link.close();
    await this.#embedded?.stop();
  }

  /** Sends one catalogue command with its fields; returns the decoded response fields. */
  async call(command: number, fields: Payload = {}): Promise<Payload> {
    const payload = await this.#link.request(command, encodeRequest(command, fields));
    return decodeResponse(command, payload, Status.OK);
  }

  async getModelNumber(): Promise<string> {
    return (await this.call(Command.GET_MODEL))['model'] as string;
  }

  async getSerialNumber(): Promise<string> {
    return (await this.call(Command.GET_SERIAL))['serial'] as string;
  }

  async getFirmwareVersion(): Promise<string> {
    return (await this.call(Command.GET_FIRMWARE_VERSION))['firmware'] as string;
  }

  /** Random bytes from the device's TRNG. */
  async getRandBytes(count: number): Promise<Uint8Array> {
    return (await this.call(Command.GET_RANDOM, { num_bytes: count }))['data'] as Uint8Array;
  }

  /** The RTC time in epoch seconds; `precise` waits for the next second edge. */
  async getTime(precise = false): Promise<number> {
    return (await this.call(Command.GET_TIME, { precise }))['epoch_seconds'] as number;
  }

  /** Generates a key pair in a new slot (16 and up) and returns the slot. */
  async genKeyPair(type: KeyTypeInput): Promise<number> {
    return (await this.call(Command.GEN_KEY_PAIR, { key_type: keyTypeOf(type) }))['slot'] as number;
  }

  /** Generates the ephemeral key (slot -1), replacing any previous one. */
  async genEphemeralKeyPair(type: KeyTypeInput): Promise<void> {
    await this.call(Command.GEN_EPHEMERAL_KEY_PAIR, { key_type: keyTypeOf(type) });
  }

  async invalidateEphemeralKey(): Promise<void> {
    await this.call(Command.INVALIDATE_EPHEMERAL_KEY);
  }

  /** Removes a generated key (and its wallet descendants) or a foreign key; returns the slots removed. */
  async removeKey(slot: number, foreign = false): Promise<number[]> {
    return (await this.call(Command.REMOVE_KEY, { slot, foreign }))['removed'] as number[];
  }

  /** Allocated slots and the store's capacity. */
  async getAllocSlotsList(foreign = false): Promise<{ slots: number[]; maxNumKeys: number }> {
    const out = await this.call(Command.GET_ALLOC_SLOTS, { foreign });
    return { slots: out['slots'] as number[], maxNumKeys: out['max_num_keys'] as number };
  }

  /** The raw public key of a slot (64 bytes X||Y for EC curves, 32 for Ed25519/X25519). */
  async exportPubKey(slot = 0, foreign = false): Promise<Uint8Array> {
    return (await this.call(Command.EXPORT_PUBKEY, { slot, foreign }))['public_key'] as Uint8Array;
  }

  /** The key type and raw public key of a slot. */
  async exportPubKeyWithType(
    slot = 0,
    foreign = false,
  ): Promise<{ type: number; publicKey: Uint8Array }> {
    const out = await this.call(Command.EXPORT_PUBKEY, { slot, foreign });
    return { type: out['key_type'] as number, publicKey: out['public_key'] as Uint8Array };
  }

  /** The public key of a slot as a PEM "PUBLIC KEY" block. */
  async exportPubKeyPem(slot = 0, foreign = false): Promise<string> {
    const out = await this.call(Command.EXPORT_PUBKEY_PEM, { slot, foreign });
    return new TextDecoder().decode(out['pem'] as Uint8Array);
  }

  /** Permanently disables public export of a slot. */
  async disablePubKeyExport(slot = 0, foreign = false): Promise<void> {
    await this.call(Command.DISABLE_PUBKEY_EXPORT, { slot, foreign });
  }

  /** Stores a foreign public key; returns its foreign slot. */
  async storeForeignPubKey(type: KeyTypeInput, publicKey: Uint8Array): Promise<number> {
    const out = await this.call(Command.STORE_FOREIGN_PUBKEY, {
      key_type: keyTypeOf(type),
      public_key: publicKey,
    });
    return out['slot'] as number;
  }

  /** Signs a 32-byte digest (ECDSA r||s with recovery id; Ed25519 signs the 32 bytes). */
  async genECDSASigFromDigest(digest: Uint8Array, slot = 0): Promise<DigestSignature> {
    const out = await this.call(Command.SIGN_DIGEST, { slot, digest: digest32(digest) });
    return { signature: out['signature'] as Uint8Array, recoveryId: out['recovery_id'] as number };
  }

  /** Verifies a digest signature with an own or foreign key: true or false. */
  async verifyECDSASigFromDigest(
    digest: Uint8Array,
    signature: Uint8Array,
    slot = 0,
    foreign = false,
  ): Promise<boolean> {
    const out = await this.call(Command.VERIFY_DIGEST, {
      slot,
      foreign,
      digest: digest32(digest),
      signature,
    });
    return out['valid'] as boolean;
  }

  /** Pure Ed25519 over a whole message. */
  async signEdDSA(message: Uint8Array, slot: number): Promise<Uint8Array> {
    return (await this.call(Command.SIGN_EDDSA, { slot, message }))['signature'] as Uint8Array;
  }

  async verifyEdDSA(
    message: Uint8Array,
    signature: Uint8Array,
    slot: number,
    foreign = false,
  ): Promise<boolean> {
    return (await this.call(Command.VERIFY_EDDSA, { slot, foreign, signature, message }))[
      'valid'
    ] as boolean;
  }

  /** Raw ECDH with a peer public key given by value: the 32-byte shared secret. */
  async doRawECDH(slot: number, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    return (await this.call(Command.ECDH_RAW, { slot, peer_public_key: peerPublicKey }))[
      'secret'
    ] as Uint8Array;
  }

  /** Raw ECDH with a peer key held in a slot. */
  async doRawECDHWithIntPeerPubkey(
    slot: number,
    peerSlot: number,
    peerIsForeign = true,
  ): Promise<Uint8Array> {
    const out = await this.call(Command.ECDH_RAW_WITH_SLOT, {
      slot,
      peer_slot: peerSlot,
      peer_is_foreign: peerIsForeign,
    });
    return out['secret'] as Uint8Array;
  }

  /** ECDH followed by a KDF (RFC 5869 or PBKDF2, SHA-256 or SHA-512: the `Kdf` values). */
  async doECDHAndKDF(
    kdf: number,
    slot: number,
    peerPublicKey: Uint8Array,
    options: {
      salt?: Uint8Array;
      info?: Uint8Array;
      iterations?: number;
      derivedKeySize?: number;
    } = {},
  ): Promise<Uint8Array> {
    const out = await this.call(Command.ECDH_KDF, {
      kdf,
      slot,
      peer_public_key: peerPublicKey,
      salt: options.salt ?? new Uint8Array(0),
      info: options.info ?? new Uint8Array(0),
      iterations: options.iterations ?? 1,
      derived_key_size: options.derivedKeySize ?? 32,
    });
    return out['derived_key'] as Uint8Array;
  }

  /** Encrypts and signs data with the device's one-way key (or the shared key). */
  async lockData(data: Uint8Array, useSharedKey = false): Promise<Uint8Array> {
    return (await this.call(Command.LOCK_DATA, { use_shared_key: useSharedKey, data }))[
      'locked'
    ] as Uint8Array;
  }

  /** Checks and decrypts locked data; `valid` is false when any check fails. */
  async unlockData(
    locked: Uint8Array,
    useSharedKey = false,
  ): Promise<{ valid: boolean; data: Uint8Array }> {
    const out = await this.call(Command.UNLOCK_DATA, { use_shared_key: useSharedKey, locked });
    return { valid: out['valid'] as boolean, data: out['data'] as Uint8Array };
  }
}
