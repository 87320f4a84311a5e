/**
 * Facts about each emulated device model: slot layout, curves, optional command groups. The
 * emulator answers every request by these facts; nothing else in the emulator knows model names.
 *
 * Sources: the vendor's API and FAQ pages and datasheets, as summarised in the project's
 * research notes. Where sources conflict the choice is an option with a documented default
 * (see docs/emulator.md).
 *
 * @packageDocumentation
 */
import { Feature, KeyType, type CommandInfo } from '../protocol/constants.generated.js';
import type { StatusName } from '../protocol/constants.generated.js';

/** Model names accepted by the emulator. */
export const MODEL_NAMES = ['zymkey4', 'hsm4', 'hsm6', 'scm'] as const;
/** One of {@link MODEL_NAMES}. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** A permanent key slot that the device leaves the factory with. */
export interface FactorySlot {
  readonly slot: number;
  readonly type: KeyType;
}

/** Everything the emulator needs to know about one model (after options are applied). */
export interface ModelSpec {
  readonly name: ModelName;
  /** What GET_MODEL and HELLO report. */
  readonly model: string;
  readonly firmware: string;
  /** Factory slots, all holding a key from the first start. */
  readonly factorySlots: readonly FactorySlot[];
  /** Slot numbers 0 .. reservedSlots-1 belong to the factory range (populated or not). */
  readonly reservedSlots: number;
  /** First slot of the generated key store (16), and how many slots it has (0: none). */
  readonly generatedFirst: number;
  readonly generatedMax: number;
  /** Size of the foreign public-key store (0: none). */
  readonly foreignMax: number;
  /** Whether the ephemeral slot -1 exists. */
  readonly ephemeral: boolean;
  /** Key types GEN_KEY_PAIR / GEN_EPHEMERAL_KEY_PAIR accept. */
  readonly generateTypes: readonly KeyType[];
  /** Key types the device knows at all (signing, ECDH, foreign keys). */
  readonly curves: readonly KeyType[];
  /** Capacity of the token store (TOKEN_* commands; every model has one). */
  readonly tokenObjects: number;
  readonly tokenBytes: number;
  /** HELLO feature bits. */
  readonly features: number;
  /** Command groups by the catalogue's `models` column. */
  readonly class6: boolean;
  readonly scm: boolean;
  readonly i2c: boolean;
}

/** Options a user may set when starting an emulator. */
export interface ModelOptions {
  /** Firmware version string to report (and whose known quirks to reproduce later). */
  firmware?: string;
  /**
   * HSM6 factory slots holding keys: the API pages say 12, the datasheet 14, the SCM-era notes
   * reserve 0-15. Default 16 (slots 0-15 populated).
   */
  factorySlots?: 12 | 14 | 16;
  /** Size of the generated key store; default 512. Raise it for scale tests. */
  generatedMax?: number;
  /** Size of the foreign key store; default 128. */
  foreignMax?: number;
  /**
   * Key types GEN_KEY_PAIR accepts on 6+ models. The vendor's C++ pages list only P-256 and
   * secp256k1; the curve list of the product pages (and WebCrypto users) want all four.
   * `'vendor-docs'` restricts to the C++ list. Default `'all-curves'`.
   */
  generate?: 'all-curves' | 'vendor-docs';
  /** Objects the token store holds; default 100,000 (docs/protocol.md). Lower it for tests. */
  tokenObjects?: number;
  /** Attrs bytes the token store holds in all; default 64 MiB. Lower it for tests. */
  tokenBytes?: number;
}

/** Token store capacity of every model (docs/protocol.md, TOKEN_GET_INFO). */
export const TOKEN_OBJECTS = 100_000;
export const TOKEN_BYTES = 64 * 1024 * 1024;

const ALL_CURVES: readonly KeyType[] = [
  KeyType.P256,
  KeyType.SECP256K1,
  KeyType.ED25519,
  KeyType.X25519,
];

const CLASS6_FEATURES =
  Feature.KEY_STORE |
  Feature.FOREIGN_KEYS |
  Feature.ECDH |
  Feature.EDDSA |
  Feature.WALLET |
  Feature.SLIP39 |
  Feature.DIGITAL_PERIMETER |
  Feature.BATTERY_MONITOR |
  Feature.CPU_TEMP_MONITOR |
  Feature.RTC_DRIFT |
  Feature.ACCELEROMETER |
  Feature.SOFT_BIND_LOCK |
  Feature.EMULATED;

function p256Slots(count: number): FactorySlot[] {
  return Array.from({ length: count }, (_, slot) => ({ slot, type: KeyType.P256 }));
}

/** Default firmware per model (strings in the vendor's observed format). */
const FIRMWARE: Record<ModelName, string> = {
  zymkey4: '01.01.05release',
  hsm4: '01.01.05release',
  hsm6: '01.02.02release',
  scm: '01.02.02release',
};

function limit(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 1_000_000) {
    throw new RangeError(`${name} must be an integer in 0..1000000`);
  }
  return v;
}

function tokenLimits(options: ModelOptions): { tokenObjects: number; tokenBytes: number } {
  const bytes = options.tokenBytes ?? TOKEN_BYTES;
  if (!Number.isInteger(bytes) || bytes < 0 || bytes > 2 ** 32) {
    throw new RangeError('tokenBytes must be an integer in 0..2^32');
  }
  return {
    tokenObjects: limit(options.tokenObjects, TOKEN_OBJECTS, 'tokenObjects'),
    tokenBytes: bytes,
  };
}

/**
 * The spec of a model with options applied.
 *
 * @example
 * ```ts
 * const hsm6 = modelSpec('hsm6', { generatedMax: 100_000 });
 * hsm6.generatedFirst; // 16
 * ```
 * @throws RangeError for an unknown model or an option out of range.
 */
export function modelSpec(name: ModelName, options: ModelOptions = {}): ModelSpec {
  const firmware = options.firmware ?? FIRMWARE[name];
  switch (name) {
    case 'zymkey4':
    case 'hsm4':
      return {
        name,
        model: name === 'zymkey4' ? 'ZYMKEY4' : 'HSM4',
        firmware,
        factorySlots: p256Slots(3),
        reservedSlots: 3,
        generatedFirst: 16,
        generatedMax: 0,
        foreignMax: 0,
        ephemeral: false,
        generateTypes: [],
        curves: [KeyType.P256],
        ...tokenLimits(options),
        features:
          (name === 'hsm4' ? Feature.SOFT_BIND_LOCK : 0) |
          Feature.ACCELEROMETER |
          Feature.I2C_ADDRESS |
          Feature.EMULATED,
        class6: false,
        scm: false,
        i2c: true,
      };
    case 'hsm6':
    case 'scm': {
      const factory =
        name === 'scm'
          ? [
              ...p256Slots(14),
              { slot: 14, type: KeyType.ED25519 },
              { slot: 15, type: KeyType.ED25519 },
            ]
          : p256Slots(options.factorySlots ?? 16);
      if (name === 'hsm6' && ![12, 14, 16].includes(options.factorySlots ?? 16)) {
        throw new RangeError('factorySlots must be 12, 14 or 16');
      }
      return {
        name,
        model: name === 'scm' ? 'SCM' : 'HSM6',
        firmware,
        factorySlots: factory,
        reservedSlots: 16,
        generatedFirst: 16,
        generatedMax: limit(options.generatedMax, 512, 'generatedMax'),
        foreignMax: limit(options.foreignMax, 128, 'foreignMax'),
        ephemeral: true,
        generateTypes:
          options.generate === 'vendor-docs' ? [KeyType.P256, KeyType.SECP256K1] : ALL_CURVES,
        curves: ALL_CURVES,
        ...tokenLimits(options),
        features:
          CLASS6_FEATURES |
          (name === 'scm' ? Feature.SUPERVISED_BOOT | Feature.AUX_TEMP : Feature.I2C_ADDRESS),
        class6: true,
        scm: name === 'scm',
        i2c: name !== 'scm',
      };
    }
    default:
      throw new RangeError(`unknown model '${String(name)}' (one of ${MODEL_NAMES.join(', ')})`);
  }
}

/** Where a slot number falls on a model. */
export type SlotClass = 'ephemeral' | 'factory' | 'reserved' | 'generated' | 'invalid';

/**
 * Classifies a slot number. Any integer is accepted (the vendor daemon once crashed on huge
 * slot numbers); numbers outside every range are `'invalid'`.
 */
export function classifySlot(spec: ModelSpec, slot: number): SlotClass {
  if (!Number.isInteger(slot)) return 'invalid';
  if (slot === -1) return spec.ephemeral ? 'ephemeral' : 'invalid';
  if (slot >= 0 && slot < spec.reservedSlots) {
    return spec.factorySlots.some((f) => f.slot === slot) ? 'factory' : 'reserved';
  }
  if (slot >= spec.generatedFirst && slot < spec.generatedFirst + spec.generatedMax) {
    return 'generated';
  }
  return 'invalid';
}

/**
 * Whether the model provides a command at all: the catalogue's `models` column. Returns the
 * status a device answers when it does not, or undefined.
 */
export function commandAvailability(
  spec: ModelSpec,
  info: Pick<CommandInfo, 'models' | 'feature'>,
): StatusName | undefined {
  const ok =
    info.models === 'all' ||
    (info.models === '6+' && spec.class6) ||
    (info.models === 'scm' && spec.scm) ||
    (info.models === 'i2c' && spec.i2c);
  if (!ok) return 'ERR_UNSUPPORTED_MODEL';
  if (info.feature !== null && (spec.features & Feature[info.feature]) === 0) {
    return 'ERR_UNSUPPORTED_MODEL';
  }
  return undefined;
}
