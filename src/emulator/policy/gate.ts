/**
 * Which requests the device refuses in its present state, and why. The emulator asks this before
 * every device command: `'security'` for commands the catalogue marks `security` (they use key
 * material), `'device'` for the others outside the session area.
 *
 * @packageDocumentation
 */
import { ThresholdAction } from '../../protocol/constants.generated.js';
import { PolicyError, type PolicyErrorCode } from './errors.js';
import { isScmClass, type PolicyState } from './state.js';

/** Kind of command, as the catalogue's `security` column says. */
export type CommandClass = 'device' | 'security';

/** Why the device is not running. */
export type HaltReason =
  'fatal-code' | 'battery-sleep' | 'temperature-hold' | 'supervised-boot-hold';

/**
 * Whether the battery reads below its threshold (a removed battery reads 0 V). Readings and
 * thresholds are compared as the device holds them, in single precision (the protocol's f32):
 * a threshold set to 2.4 and a reading of 2.4 are equal, not "low".
 *
 * @example
 * ```ts
 * state.battery.volts = 2.1;
 * batteryLow(state); // true with the default 2.3 V threshold
 * ```
 */
export function batteryLow(state: PolicyState): boolean {
  return Math.fround(state.battery.volts) < Math.fround(state.battery.threshold);
}

/**
 * Which temperature bound the CPU is past, if any (compared in single precision, as
 * {@link batteryLow}).
 *
 * @example
 * ```ts
 * state.temperature.celsius = 70;
 * temperatureExcursion(state); // 'high' with the default 65 °C bound
 * ```
 */
export function temperatureExcursion(state: PolicyState): 'low' | 'high' | null {
  const t = state.temperature;
  const c = Math.fround(t.celsius);
  if (c < Math.fround(t.low)) return 'low';
  if (c > Math.fround(t.high)) return 'high';
  return null;
}

/**
 * Why the device is not running, or null when it is. An SCM-class device showing a fatal code
 * reboots when the sequence ends; a battery SLEEP policy holds it while the battery is low
 * (HSM6 in both modes; SCM only in production, as developer mode shows code 4/1 instead); the
 * "hold" temperature variant holds a production device while out of bounds; a supervised-boot
 * HOLD_RESET policy holds it until a boot passes the check.
 *
 * @example
 * ```ts
 * haltReason(state); // null on a healthy device
 * ```
 */
export function haltReason(state: PolicyState): HaltReason | null {
  if (state.destroyed !== null) return null;
  if (state.supervisedBoot.held !== null) return 'supervised-boot-hold';
  if (state.led.fatal !== null) return 'fatal-code';
  const production = state.binding.production;
  if (
    state.battery.action === ThresholdAction.SLEEP &&
    batteryLow(state) &&
    (production || !isScmClass(state))
  ) {
    return 'battery-sleep';
  }
  if (
    production &&
    state.variant.productionTemperature === 'hold' &&
    state.temperature.action === ThresholdAction.SELF_DESTRUCT &&
    temperatureExcursion(state) !== null
  ) {
    return 'temperature-hold';
  }
  return null;
}

/**
 * Whether the device is bound to the host it runs with now (GET_BINDING_INFO's `is_bound`).
 *
 * @example
 * ```ts
 * isBound(state); // false before the first boot with a host
 * ```
 */
export function isBound(state: PolicyState): boolean {
  const b = state.binding;
  return !b.cannotBind && b.currentHost !== null && b.boundTo === b.currentHost;
}

/**
 * The refusal a command of class `cls` gets now, or undefined when it may run. Order: a halted
 * device answers nothing; then destroyed keys, a broken binding, a brown-out and a missing
 * binding refuse security commands.
 *
 * @example
 * ```ts
 * refusal(state, 'security'); // 'ERR_NOT_BOUND' before the first boot
 * ```
 */
export function refusal(state: PolicyState, cls: CommandClass): PolicyErrorCode | undefined {
  if (haltReason(state) !== null) return 'ERR_DEVICE_HALTED';
  if (cls === 'device') return undefined;
  if (state.destroyed !== null) return 'ERR_SELF_DESTRUCTED';
  if (state.binding.cannotBind) return 'ERR_BINDING_BROKEN';
  if (!state.power.supplyStable) return 'ERR_BROWNOUT';
  if (!isBound(state)) return 'ERR_NOT_BOUND';
  return undefined;
}

/**
 * Throws the {@link refusal} for a command of class `cls`, if any.
 *
 * @example
 * ```ts
 * assertAllowed(policy.state, 'security'); // before signing
 * ```
 * @throws PolicyError with the refusal's code.
 */
export function assertAllowed(state: PolicyState, cls: CommandClass): void {
  const code = refusal(state, cls);
  if (code !== undefined) throw new PolicyError(code, `${cls} command refused: ${code}`);
}
