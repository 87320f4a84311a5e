/**
 * Accelerometer and tap detection (commands 0x0Axx, event TAP_EVENT). The readings and the taps
 * are simulation inputs; the host sets a sensitivity per axis and reads or waits.
 *
 * The vendor says only that 0 % turns detection off and 100 % is the most sensitive. This model
 * makes the threshold linear: a tap of force F g on an axis is detected when the axis is on and
 * F >= {@link tapThresholdG}(sensitivity), from 4 g at 1 % down to 0.25 g at 100 % (about 2.1 g at
 * the factory's 50 %; a knuckle tap is a few g).
 *
 * @packageDocumentation
 */
import { AccelAxis, Feature } from '../../protocol/constants.generated.js';
import { PolicyError } from './errors.js';
import { assertAllowed, haltReason } from './gate.js';
import { TAP_HISTORY, hasFeature, type Policy, type PolicyState, type TapRecord } from './state.js';

/** Largest acceleration the simulated sensor reports, in g (a common MEMS full scale). */
export const ACCEL_FULL_SCALE_G = 16;

/** One axis of GET_ACCELEROMETER_DATA: the reading and the direction of the last tap. */
export interface AxisData {
  g: number;
  tapDir: number;
}

/**
 * The refusals of every accelerometer command: a halted device, a model without one.
 *
 * @example
 * ```ts
 * requireAccelerometer(policy); // before a wait starts
 * ```
 * @throws PolicyError `ERR_DEVICE_HALTED`, `ERR_UNSUPPORTED_MODEL`.
 */
export function requireAccelerometer(policy: Policy): void {
  assertAllowed(policy.state, 'device');
  if (!hasFeature(policy.state, Feature.ACCELEROMETER)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${policy.state.model} has no accelerometer`);
  }
}

function finite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new PolicyError('ERR_INVALID_ARG', `${name} must be finite`);
}

/**
 * The smallest tap force (g) detected at a sensitivity, or null when detection is off (0 %).
 *
 * @example
 * ```ts
 * tapThresholdG(100); // 0.25
 * tapThresholdG(0); // null
 * ```
 */
export function tapThresholdG(percent: number): number | null {
  if (percent <= 0) return null;
  return 0.25 + ((100 - percent) / 99) * 3.75;
}

/**
 * SET_TAP_SENSITIVITY for one axis or all (AccelAxis.ALL).
 *
 * @example
 * ```ts
 * setTapSensitivity(policy, AccelAxis.ALL, 75);
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (unknown axis, NaN), `ERR_OUT_OF_RANGE` (outside 0..100),
 *   `ERR_UNSUPPORTED_MODEL`, `ERR_DEVICE_HALTED`.
 */
export function setTapSensitivity(policy: Policy, axis: number, percent: number): void {
  requireAccelerometer(policy);
  if (!Number.isInteger(axis) || axis < AccelAxis.X || axis > AccelAxis.ALL) {
    throw new PolicyError('ERR_INVALID_ARG', 'axis must be X, Y, Z or ALL');
  }
  finite(percent, 'percent');
  if (percent < 0 || percent > 100) {
    throw new PolicyError('ERR_OUT_OF_RANGE', 'tap sensitivity must be 0..100 %');
  }
  const s = policy.state.accel.sensitivity;
  for (let a = 0; a < 3; a++) if (axis === AccelAxis.ALL || axis === a) s[a] = percent;
}

/**
 * GET_ACCELEROMETER_DATA: x, y, z readings with the direction of the last tap on each.
 *
 * @example
 * ```ts
 * getAccelerometerData(policy)[2].g; // 1 for a device lying flat
 * ```
 * @throws PolicyError `ERR_UNSUPPORTED_MODEL`, `ERR_DEVICE_HALTED`.
 */
export function getAccelerometerData(policy: Policy): AxisData[] {
  requireAccelerometer(policy);
  const a = policy.state.accel;
  return [0, 1, 2].map((i) => ({ g: a.g[i] ?? 0, tapDir: a.dirs[i] ?? 0 }));
}

/**
 * Simulation input: the sensor now reads `g` (x, y, z in g).
 *
 * @example
 * ```ts
 * setAccelReading(policy, [0, 1, 0]); // standing on its edge
 * ```
 * @throws PolicyError `ERR_INVALID_ARG` (not three finite numbers), `ERR_OUT_OF_RANGE` (beyond
 *   full scale), `ERR_UNSUPPORTED_MODEL`.
 */
export function setAccelReading(policy: Policy, g: readonly number[]): void {
  if (!hasFeature(policy.state, Feature.ACCELEROMETER)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${policy.state.model} has no accelerometer`);
  }
  if (g.length !== 3) throw new PolicyError('ERR_INVALID_ARG', 'three axes: x, y, z');
  for (const v of g) {
    finite(v, 'acceleration');
    if (Math.abs(v) > ACCEL_FULL_SCALE_G) {
      throw new PolicyError('ERR_OUT_OF_RANGE', `acceleration beyond ±${ACCEL_FULL_SCALE_G} g`);
    }
  }
  policy.state.accel.g = [...g];
}

/** A simulated tap. */
export interface TapInput {
  /** AccelAxis.X, Y or Z. */
  axis: number;
  /** -1 or +1. */
  direction: number;
  /** Peak force in g, above 0 and up to full scale. */
  forceG: number;
}

/**
 * Simulation input: something taps the device. A detected tap sets the axes' last-tap
 * directions and is recorded for WAIT_FOR_TAP and TAP_EVENT; a halted device detects nothing.
 *
 * @example
 * ```ts
 * const tap = simulateTap(policy, { axis: AccelAxis.Z, direction: -1, forceG: 3 });
 * ```
 * @returns The tap record, or null when the sensitivity let it pass undetected.
 * @throws PolicyError `ERR_INVALID_ARG`, `ERR_OUT_OF_RANGE`, `ERR_UNSUPPORTED_MODEL`.
 */
export function simulateTap(policy: Policy, tap: TapInput): TapRecord | null {
  const s = policy.state;
  if (!hasFeature(s, Feature.ACCELEROMETER)) {
    throw new PolicyError('ERR_UNSUPPORTED_MODEL', `${s.model} has no accelerometer`);
  }
  if (!Number.isInteger(tap.axis) || tap.axis < AccelAxis.X || tap.axis > AccelAxis.Z) {
    throw new PolicyError('ERR_INVALID_ARG', 'a tap is on axis X, Y or Z');
  }
  if (tap.direction !== 1 && tap.direction !== -1) {
    throw new PolicyError('ERR_INVALID_ARG', 'tap direction must be -1 or +1');
  }
  finite(tap.forceG, 'force');
  if (tap.forceG <= 0 || tap.forceG > ACCEL_FULL_SCALE_G) {
    throw new PolicyError('ERR_OUT_OF_RANGE', `tap force must be in (0, ${ACCEL_FULL_SCALE_G}] g`);
  }
  const threshold = tapThresholdG(s.accel.sensitivity[tap.axis] ?? 0);
  if (haltReason(s) !== null || s.destroyed !== null) return null;
  if (threshold === null || tap.forceG < threshold) return null;
  const dirs = [0, 0, 0];
  dirs[tap.axis] = tap.direction;
  const g = [...s.accel.g];
  g[tap.axis] = (g[tap.axis] ?? 0) + tap.direction * tap.forceG;
  const record: TapRecord = { seq: s.accel.nextSeq, g, dirs, at: policy.env.now() };
  s.accel.nextSeq += 1;
  s.accel.dirs = dirs;
  s.accel.taps.push(record);
  if (s.accel.taps.length > TAP_HISTORY) s.accel.taps.splice(0, s.accel.taps.length - TAP_HISTORY);
  return record;
}

/**
 * Taps after sequence number `cursor`, oldest first (for per-connection wait latches).
 *
 * @example
 * ```ts
 * const [next] = tapsAfter(state, cursor);
 * ```
 */
export function tapsAfter(state: PolicyState, cursor: number): TapRecord[] {
  return state.accel.taps.filter((t) => t.seq > cursor);
}
