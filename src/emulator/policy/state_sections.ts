/**
 * Sections of the policy state added with layout version 2: accelerometer and tap detection,
 * digital-perimeter tuning and supervised boot, with their factory values. Plain JSON, like the
 * rest of {@link PolicyState} (state.ts).
 *
 * @packageDocumentation
 */
import { SupbootPolicy } from '../../protocol/constants.generated.js';

/** Tap sensitivity of every axis when the device leaves the factory (percent). */
export const DEFAULT_TAP_SENSITIVITY = 50;
/** Reading of a device lying flat and still, in g (x, y, z). */
export const RESTING_G: readonly [number, number, number] = [0, 0, 1];
/** Taps kept for the per-connection wait latches (older ones are forgotten). */
export const TAP_HISTORY = 16;

/** One detected tap (the WAIT_FOR_TAP / TAP_EVENT payload). */
export interface TapRecord {
  /** Strictly increasing per device, for per-connection cursors. */
  seq: number;
  /** Acceleration on x, y, z at the tap, in g. */
  g: number[];
  /** Tap direction per axis: -1, 0 or +1. */
  dirs: number[];
  /** Clock time of the tap (ms). */
  at: number;
}

/** Accelerometer and tap detection. */
export interface AccelState {
  /** Tap sensitivity per axis x, y, z in percent; 0 = off. */
  sensitivity: number[];
  /** Present reading per axis, in g. */
  g: number[];
  /** Direction of the last tap per axis. */
  dirs: number[];
  taps: TapRecord[];
  nextSeq: number;
}

/**
 * Digital perimeter tuning (6+). The vendor documents the three calls but no ranges and no
 * factory values; these are the model's (docs/device_policies.md).
 */
export interface DigitalPerimeterState {
  /** Low-power sampling period in microseconds. */
  lpPeriodUs: number;
  /** Bits checked per low-power sample. */
  lpMaxBits: number;
  /** Accepted loop delay window in nanoseconds. */
  minDelayNs: number;
  maxDelayNs: number;
}

/** Factory digital-perimeter tuning (the model's choice: the vendor gives none). */
export const DEFAULT_DIGITAL_PERIMETER: Readonly<DigitalPerimeterState> = {
  lpPeriodUs: 100_000,
  lpMaxBits: 8,
  minDelayNs: 500,
  maxDelayNs: 20_000,
};

/** One file of the supervised-boot manifest. */
export interface BootFileEntry {
  /** Path relative to the boot partition, normalized. */
  path: string;
  /** Factory slot whose key signed it (0..15). */
  slot: number;
  /** SHA-256 of the contents when signed, hex. */
  digest: string;
  /** Signature of the digest by the slot's key, hex. */
  signature: string;
}

/** What checking the boot files found. */
export type BootCheckStatus = 'ok' | 'file-failed' | 'process-failed';

/** The result of checking the manifest at a boot (computed by the device service). */
export interface BootCheck {
  status: BootCheckStatus;
  /** Manifest paths whose check failed (file-failed), or why the process failed. */
  failed: string[];
}

/** Supervised boot (SCM). */
export interface SupervisedBootState {
  /** A `supboot_policy` value: what a failed check does in production mode. */
  policy: number;
  /** The manifest, in the order files were first added. */
  files: BootFileEntry[];
  /** The last boot's check (null: none ran, or the manifest was empty). */
  lastCheck: (BootCheck & { at: number }) | null;
  /** HOLD_RESET in effect: the host is kept in reset until a boot passes the check. */
  held: 'file-failed' | 'process-failed' | null;
}

/**
 * Factory accelerometer state: every axis at the default sensitivity, lying flat, no tap yet.
 *
 * @example
 * ```ts
 * initialAccelState().sensitivity; // [50, 50, 50]
 * ```
 */
export function initialAccelState(): AccelState {
  return {
    sensitivity: [DEFAULT_TAP_SENSITIVITY, DEFAULT_TAP_SENSITIVITY, DEFAULT_TAP_SENSITIVITY],
    g: [...RESTING_G],
    dirs: [0, 0, 0],
    taps: [],
    nextSeq: 1,
  };
}

/**
 * Factory supervised-boot state: policy NO_ACTION, empty manifest (supervised boot off).
 *
 * @example
 * ```ts
 * initialSupervisedBootState().files.length; // 0
 * ```
 */
export function initialSupervisedBootState(): SupervisedBootState {
  return { policy: SupbootPolicy.NO_ACTION, files: [], lastCheck: null, held: null };
}
