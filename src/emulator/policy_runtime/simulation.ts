/**
 * Simulation inputs: what the world does to a device (a tamper loop opens, the battery sags, the
 * host reboots as another machine). Emulator-only: reachable from the emulator's owner (tests,
 * the control channel in src/emulator/control), never through the device protocol.
 *
 * @packageDocumentation
 */
import { ResetReason } from '../../protocol/constants.generated.js';
import { systemRandom } from '../crypto/index.js';
import {
  breach,
  closePerimeterLoop,
  cutLockTab,
  openPerimeterLoop,
  setBatteryReading,
  setCpuTempReading,
  setAccelReading,
  setHostComms,
  setSupplyStable,
  simulateTap as tapModel,
  type TapInput,
  type TapRecord,
} from '../policy/index.js';
import { hostIdentity } from './host_identity.js';
import type { PolicyRuntime } from './runtime.js';

/**
 * A breach on `channel`: the loop opens and closes again.
 *
 * @example
 * ```ts
 * await simulateBreach(device.policy, 0);
 * ```
 */
export function simulateBreach(runtime: PolicyRuntime, channel: number): Promise<void> {
  return runtime.apply((p) => breach(p, channel));
}

/** Opens (breaches) or closes a perimeter loop and leaves it so. */
export function simulateLoop(
  runtime: PolicyRuntime,
  channel: number,
  closed: boolean,
): Promise<void> {
  return runtime.apply((p) => {
    if (closed) {
      closePerimeterLoop(p, channel);
      return [];
    }
    return openPerimeterLoop(p, channel);
  });
}

/** A new battery reading in volts (0: battery removed). */
export function simulateBattery(runtime: PolicyRuntime, volts: number): Promise<void> {
  return runtime.apply((p) => setBatteryReading(p, volts));
}

/** A new CPU temperature reading in °C. */
export function simulateCpuTemp(runtime: PolicyRuntime, celsius: number): Promise<void> {
  return runtime.apply((p) => setCpuTempReading(p, celsius));
}

/** Supply power stable, or a brown-out. */
export function simulateSupply(runtime: PolicyRuntime, stable: boolean): Promise<void> {
  return runtime.apply((p) => {
    setSupplyStable(p, stable);
    return undefined;
  });
}

/** The host link works, or fails. */
export function simulateHostComms(runtime: PolicyRuntime, ok: boolean): Promise<void> {
  return runtime.apply((p) => {
    setHostComms(p, ok);
    return undefined;
  });
}

/**
 * Something taps the device: detected (TAP_EVENT, waits complete) when the axis' sensitivity
 * lets it through.
 *
 * @example
 * ```ts
 * const tap = await simulateTap(device.policy, { axis: AccelAxis.Z, direction: -1, forceG: 3 });
 * ```
 * @returns The tap, or null when it went undetected.
 */
export async function simulateTap(
  runtime: PolicyRuntime,
  input: TapInput,
): Promise<TapRecord | null> {
  let tap: TapRecord | null = null;
  await runtime.apply((p) => {
    tap = tapModel(p, input);
    return undefined;
  });
  return tap;
}

/** A new accelerometer reading (x, y, z in g). */
export function simulateAcceleration(runtime: PolicyRuntime, g: readonly number[]): Promise<void> {
  return runtime.apply((p) => {
    setAccelReading(p, g);
    return undefined;
  });
}

/** Zymkey4: the lock tab is cut. */
export function simulateCutLockTab(runtime: PolicyRuntime): Promise<void> {
  return runtime.apply((p) => cutLockTab(p));
}

/**
 * The host reboots (DEVICE_RESET, reason HOST_REBOOT or as given), optionally as another host:
 * `fingerprint` with this state directory's salt, or null for no host service.
 *
 * @example
 * ```ts
 * await simulateReboot(device.policy, { fingerprint: 'another-pi' });
 * ```
 */
export async function simulateReboot(
  runtime: PolicyRuntime,
  options: { fingerprint?: string | null; reason?: ResetReason } = {},
): Promise<void> {
  const host =
    options.fingerprint === undefined
      ? undefined
      : await hostIdentity(runtime.stateDir, options.fingerprint, systemRandom);
  await runtime.reset(options.reason ?? ResetReason.HOST_REBOOT, host);
}
